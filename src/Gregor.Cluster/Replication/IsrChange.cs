using System.Collections.Immutable;
using Gregor.Cluster.Controller;

namespace Gregor.Cluster.Replication;

/// <summary>
/// An ISR change the leader proposes to the controller: the content of one AlterPartition
/// partition item (topic id, partition index, the leader epoch and partition epoch it is based
/// on, and the new ISR with broker epochs). While it is in flight the leader proposes no other
/// change for the partition (Kafka's PendingExpandIsr / PendingShrinkIsr). Compared by reference
/// identity of the proposal, so a late answer to an older proposal can be told apart.
/// </summary>
public sealed record IsrChange(
    Guid TopicId,
    int Partition,
    IsrChangeKind Kind,
    int LeaderEpoch,
    int PartitionEpoch,
    ImmutableArray<IsrMember> NewIsr)
{
    /// <summary>The broker ids of <see cref="NewIsr"/>, in order.</summary>
    public IEnumerable<int> NewIsrIds => NewIsr.Select(m => m.BrokerId);
}
