using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The answer for one partition of an AlterPartition request. On success it carries the
/// partition's state after the change committed: leader, leader epoch, ISR, recovery state and
/// partition epoch — a broker adopts it only if <see cref="PartitionEpoch"/> is newer than its own.
/// On an error (as Kafka) the state fields are -1 / empty: the leader learns the state from the image.
/// </summary>
public sealed record AlterPartitionResult(
    Guid TopicId,
    int Partition,
    ErrorCode Error,
    int LeaderId = -1,
    int LeaderEpoch = -1,
    IReadOnlyList<int>? Isr = null,
    LeaderRecoveryState LeaderRecoveryState = LeaderRecoveryState.Recovered,
    int PartitionEpoch = -1)
{
    public IReadOnlyList<int> Isr { get; init; } = Isr ?? [];
}
