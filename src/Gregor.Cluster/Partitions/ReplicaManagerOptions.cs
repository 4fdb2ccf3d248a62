namespace Gregor.Cluster.Partitions;

/// <summary>
/// Settings of the replica manager: this node's id (it hosts the partitions it leads), the
/// broker-wide produce limits — message.max.bytes, log.message.timestamp.type and
/// log.message.timestamp.before/after.max.ms, which topic configs override (unset here = no
/// timestamp bound; the composition root passes the broker config) — the fetch session bound, and
/// how many delayed fetches / acks=all produces may wait at once (past that, a fetch answers with
/// what it has and a produce with NOT_ENOUGH_REPLICAS_AFTER_APPEND).
/// </summary>
public sealed record ReplicaManagerOptions(
    int NodeId,
    int MessageMaxBytes = 1048588,
    int MaxFetchSessions = FetchSessionCache.DefaultMaxSessions,
    bool LogAppendTime = false,
    long TimestampBeforeMaxMs = long.MaxValue,
    long TimestampAfterMaxMs = long.MaxValue,
    int MaxDelayedFetches = ReplicaManagerOptions.DefaultMaxDelayedOperations,
    int MaxDelayedProduces = ReplicaManagerOptions.DefaultMaxDelayedOperations)
{
    /// <summary>
    /// A delayed operation holds a few hundred bytes and a timer; a connection has at most 64
    /// requests in flight, so this covers ~150 connections all long-polling at once.
    /// </summary>
    public const int DefaultMaxDelayedOperations = 10_000;

    public ProduceLimits ProduceLimits => new(MessageMaxBytes, LogAppendTime, TimestampBeforeMaxMs, TimestampAfterMaxMs);
}
