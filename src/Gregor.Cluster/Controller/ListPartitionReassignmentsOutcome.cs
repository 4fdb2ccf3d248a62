using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The answer to ListPartitionReassignments: a request-level error (NOT_CONTROLLER) or None with
/// the ongoing reassignments among the partitions asked for (all when none were named);
/// partitions that do not exist or are not being reassigned are left out, as Kafka does.
/// </summary>
public sealed record ListPartitionReassignmentsOutcome(ErrorCode Error, string? Message, IReadOnlyList<OngoingReassignment> Reassignments)
{
    public static ListPartitionReassignmentsOutcome Failed(ErrorCode error, string? message) => new(error, message, []);
}
