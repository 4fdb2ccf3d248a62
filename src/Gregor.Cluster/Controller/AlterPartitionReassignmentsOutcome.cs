using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The answer to AlterPartitionReassignments: a request-level error (NOT_CONTROLLER) with no
/// results, or None with one result per partition, in request order.
/// </summary>
public sealed record AlterPartitionReassignmentsOutcome(ErrorCode Error, string? Message, IReadOnlyList<ReassignmentResult> Partitions)
{
    public static AlterPartitionReassignmentsOutcome Failed(ErrorCode error, string? message) => new(error, message, []);
}
