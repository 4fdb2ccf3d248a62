namespace Gregor.Cluster.Simulation.Replication;

/// <summary>A follower's Fetch for one partition: replica id and broker epoch (ReplicaState), current leader epoch, fetch offset, last fetched epoch.</summary>
public sealed record SimFetchRequest(int Partition, int ReplicaId, long BrokerEpoch, int CurrentLeaderEpoch, long FetchOffset, int LastFetchedEpoch);
