namespace Gregor.Cluster.Replication;

/// <summary>One leader epoch and the first offset written in it (a line of the leader-epoch-checkpoint).</summary>
public readonly record struct EpochEntry(int Epoch, long StartOffset);
