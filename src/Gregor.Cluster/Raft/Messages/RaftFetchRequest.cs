namespace Gregor.Cluster.Raft.Messages;

/// <summary>
/// Fetch (apiKey 1) of the metadata partition by replica <see cref="ReplicaId"/> (a voter or an
/// observer): <see cref="FetchOffset"/> is the replica's durable log end, <see cref="LastFetchedEpoch"/>
/// the epoch of its last batch, <see cref="CurrentLeaderEpoch"/> the epoch it believes in. The
/// leader may hold the request up to <see cref="MaxWaitMs"/> for new data.
/// </summary>
public sealed record RaftFetchRequest(int ReplicaId, Guid ReplicaDirectoryId, int CurrentLeaderEpoch,
    long FetchOffset, int LastFetchedEpoch, int MaxWaitMs, int MaxBytes) : RaftRequest;
