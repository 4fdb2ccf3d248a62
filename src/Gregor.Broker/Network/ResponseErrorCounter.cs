using System.Diagnostics.Metrics;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Network;

/// <summary>
/// Counts one API's response error codes into <c>gregor.network.request.errors</c> (Kafka's
/// <c>RequestMetrics.ErrorsPerSec{request,error}</c>). The dispatcher keeps one per API key and
/// hands it to the generated <see cref="IResponseMessage.CountErrors"/>; error names are cached
/// strings (unknown codes share one), so counting allocates nothing. Thread-safe.
/// </summary>
public sealed class ResponseErrorCounter(Counter<long> errors, string api) : IErrorCodeCounter
{
    public void Count(short errorCode) =>
        errors.Add(1, new KeyValuePair<string, object?>("api", api), new KeyValuePair<string, object?>("error", ErrorName(errorCode)));

    private static string ErrorName(short errorCode) =>
        ErrorCatalogue.IsKnown((ErrorCode)errorCode) ? ErrorCatalogue.Name((ErrorCode)errorCode) : "UNKNOWN_SERVER_ERROR_CODE";
}
