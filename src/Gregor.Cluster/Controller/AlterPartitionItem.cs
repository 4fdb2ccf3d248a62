using Gregor.Cluster.Records;

namespace Gregor.Cluster.Controller;

/// <summary>
/// One partition of an AlterPartition request: the leader's proposed ISR for the partition
/// <paramref name="TopicId"/>/<paramref name="Partition"/>, made at <paramref name="LeaderEpoch"/>
/// against the state it last saw (<paramref name="PartitionEpoch"/>). The controller accepts it
/// only if both epochs are the committed ones, the sender is the leader and every new member is
/// an eligible replica (registered, unfenced, not shutting down, at the given broker epoch).
/// </summary>
public sealed record AlterPartitionItem(
    Guid TopicId,
    int Partition,
    int LeaderEpoch,
    int PartitionEpoch,
    IReadOnlyList<IsrMember> NewIsr,
    LeaderRecoveryState LeaderRecoveryState = LeaderRecoveryState.Recovered);
