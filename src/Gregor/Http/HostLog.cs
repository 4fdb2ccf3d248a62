using System.Net;
using Microsoft.Extensions.Logging;

namespace Gregor.Http;

/// <summary>Source-generated log messages of the host's HTTP listener.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "http listening on {EndPoint} ({HealthPath})")]
    public static partial void HttpListening(ILogger logger, IPEndPoint endPoint, string healthPath);
}
