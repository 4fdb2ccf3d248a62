using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The answer to an AlterPartition request. <see cref="Error"/> is a request-level error
/// (STALE_BROKER_EPOCH when the sender's broker epoch is not the registered one, NOT_CONTROLLER,
/// INVALID_REQUEST), and then <see cref="Partitions"/> is empty; otherwise None and one result
/// per requested partition, in request order.
/// </summary>
public sealed record AlterPartitionOutcome(ErrorCode Error, IReadOnlyList<AlterPartitionResult> Partitions)
{
    public static AlterPartitionOutcome Failed(ErrorCode error) => new(error, []);
}
