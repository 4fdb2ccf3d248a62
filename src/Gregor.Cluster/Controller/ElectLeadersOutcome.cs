using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The answer to ElectLeaders: a request-level error (NOT_CONTROLLER, INVALID_REQUEST) with no
/// results, or None with one result per partition asked for (every partition when the request
/// named none).
/// </summary>
public sealed record ElectLeadersOutcome(ErrorCode Error, string? Message, IReadOnlyList<ElectLeadersResult> Partitions)
{
    public static ElectLeadersOutcome Failed(ErrorCode error, string? message) => new(error, message, []);
}
