namespace Gregor.Cluster.Raft.Messages;

/// <summary>FetchSnapshot (apiKey 59): <see cref="MaxBytes"/> of snapshot <see cref="SnapshotId"/> from <see cref="Position"/>.</summary>
public sealed record RaftFetchSnapshotRequest(int ReplicaId, int CurrentLeaderEpoch, OffsetAndEpoch SnapshotId,
    long Position, int MaxBytes) : RaftRequest;
