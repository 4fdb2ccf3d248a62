namespace Gregor.Cluster.Raft;

/// <summary>The leader a replica knows for an epoch; <see cref="LeaderId"/> is null while unknown.</summary>
public readonly record struct LeaderAndEpoch(int? LeaderId, int Epoch);
