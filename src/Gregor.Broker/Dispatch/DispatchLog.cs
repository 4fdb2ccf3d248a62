using Gregor.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Dispatch;

/// <summary>Source-generated log messages of request dispatch.</summary>
internal static partial class DispatchLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "{ApiKey} v{Version} from {ConnectionId} is not supported (v{Min}-{Max}): UNSUPPORTED_VERSION")]
    public static partial void UnsupportedVersion(ILogger logger, ApiKey apiKey, short version, short min, short max, string connectionId);
}
