namespace Gregor.Cluster.Raft.Messages;

/// <summary>One replica as the leader sees it (DescribeQuorum's ReplicaState); -1 where unknown.</summary>
public sealed record RaftReplicaState(int ReplicaId, Guid ReplicaDirectoryId, long LogEndOffset,
    long LastFetchTimestamp, long LastCaughtUpTimestamp);
