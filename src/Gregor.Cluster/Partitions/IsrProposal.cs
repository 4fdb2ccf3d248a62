using System.Collections.Immutable;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// An ISR change a leader proposes to the controller (AlterPartition): the new ISR with the broker
/// epoch each member fetched with (-1 when unknown, KIP-903), made at the leader and partition epochs
/// it last saw.
/// </summary>
public sealed record IsrProposal(int LeaderEpoch, int PartitionEpoch, ImmutableArray<(int BrokerId, long BrokerEpoch)> NewIsr);
