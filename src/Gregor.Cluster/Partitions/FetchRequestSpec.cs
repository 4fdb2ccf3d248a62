namespace Gregor.Cluster.Partitions;

/// <summary>
/// A decoded fetch request as the replica manager needs it: long-poll bounds, the response byte
/// limit, isolation level (0 read_uncommitted, 1 read_committed), the KIP-227 session id/epoch
/// (0/-1 = no session), the partitions the request names and those it asks to forget, and for a
/// follower's fetch its broker id and broker epoch (ReplicaState; -1 for consumers).
/// </summary>
public sealed record FetchRequestSpec(
    int MaxWaitMs,
    int MinBytes,
    int MaxBytes,
    byte IsolationLevel,
    IReadOnlyList<FetchPartitionSpec> Partitions,
    int SessionId = 0,
    int SessionEpoch = -1,
    IReadOnlyList<FetchPartitionKey>? Forgotten = null,
    bool UsesTopicIds = false,
    int ReplicaId = -1,
    long ReplicaEpoch = -1)
{
    /// <summary>A follower replicating the partitions (replica id ≥ 0): reads up to the log end, not the high watermark.</summary>
    public bool IsFromFollower => ReplicaId >= 0;
}
