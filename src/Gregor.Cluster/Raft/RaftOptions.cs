namespace Gregor.Cluster.Raft;

/// <summary>
/// Static configuration of one Raft replica. Timeouts default to Kafka's
/// (<c>controller.quorum.*</c>); <see cref="Voters"/> is the static voter set
/// (<c>controller.quorum.voters</c>). A replica whose <see cref="NodeId"/> is not a voter is an
/// observer: it fetches and applies the log but never votes or stands.
/// </summary>
public sealed record RaftOptions
{
    public required int NodeId { get; init; }

    public Guid DirectoryId { get; init; }

    public required IReadOnlyList<RaftVoter> Voters { get; init; }

    public string? ClusterId { get; init; }

    /// <summary><c>controller.quorum.election.timeout.ms</c>: a voter with no leader stands after a random time in [t, 2t).</summary>
    public int ElectionTimeoutMs { get; init; } = 1000;

    /// <summary><c>controller.quorum.fetch.timeout.ms</c>: a follower that has not fetched from its leader for this long stands; a leader that no majority fetched from for this long resigns.</summary>
    public int FetchTimeoutMs { get; init; } = 2000;

    /// <summary><c>controller.quorum.election.backoff.max.ms</c>: the largest random wait before standing again after a lost election.</summary>
    public int ElectionBackoffMaxMs { get; init; } = 1000;

    /// <summary><c>controller.quorum.request.timeout.ms</c>: an outbound request unanswered this long is given up and retried.</summary>
    public int RequestTimeoutMs { get; init; } = 2000;

    /// <summary>How long the leader may hold a Fetch that has nothing new (Kafka's <c>fetch.max.wait.ms</c> for KRaft: 500).</summary>
    public int FetchMaxWaitMs { get; init; } = 500;

    /// <summary>Bytes a Fetch asks for (Kafka: 8 MiB) and a FetchSnapshot chunk's size.</summary>
    public int FetchMaxBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest number of records one <see cref="IRaftClient.ScheduleAtomicAppend"/> may carry (bounds a batch).</summary>
    public int MaxRecordsPerBatch { get; init; } = 10_000;

    /// <summary>Test-only wrong behaviours (canaries); settable only from the simulation project.</summary>
    internal RaftFaults Faults { get; init; } = RaftFaults.None;
}
