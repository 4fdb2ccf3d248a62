using System.Collections.Immutable;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// A hosted partition's replica assignment as this node last applied it from the metadata image:
/// the replicas, the committed ISR (the leader may be waiting for a proposed change), the leader
/// and its epoch, and the partition epoch (bumped on every change of any of them).
/// </summary>
public sealed record PartitionReplicaView(int Leader, int LeaderEpoch, int PartitionEpoch, ImmutableArray<int> Replicas, ImmutableArray<int> Isr)
{
    /// <summary>A partition whose only replica is its leader: a cluster of one for this partition (the HWM follows the local appends).</summary>
    public bool IsSingleReplica => Replicas.Length <= 1;
}
