using Gregor.Cluster.Metadata;
using Gregor.Protocol;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Settings of the replica manager: this node's id (it hosts the partitions it leads), the
/// broker-wide produce limits — message.max.bytes, log.message.timestamp.type and
/// log.message.timestamp.before/after.max.ms, which topic configs override (unset here = no
/// timestamp bound; the composition root passes the broker config), log.cleanup.policy (whether
/// topics without their own cleanup.policy are compacted) — the fetch session bound, how many
/// delayed fetches / acks=all produces may wait at once (past that, a fetch answers with what it
/// has and a produce with NOT_ENOUGH_REPLICAS_AFTER_APPEND), and
/// <see cref="TopicConfigs"/>: a topic's configs as its partitions apply them (the composition root
/// folds in the dynamic broker configs of the image, so a changed log.* default reaches every
/// topic without an override; unset = the topic's own overrides). Replication:
/// <see cref="MinInsyncReplicas"/> (the broker's min.insync.replicas, topics override it),
/// <see cref="ReplicaLagTimeMaxMs"/> (replica.lag.time.max.ms: a follower not caught up for this long
/// leaves the ISR) and <see cref="HighWatermarkCheckpoint"/> (the high watermarks read back from the
/// replication-offset-checkpoint when a replicated partition opens).
/// </summary>
public sealed record ReplicaManagerOptions(
    int NodeId,
    int MessageMaxBytes = 1048588,
    int MaxFetchSessions = FetchSessionCache.DefaultMaxSessions,
    bool LogAppendTime = false,
    long TimestampBeforeMaxMs = long.MaxValue,
    long TimestampAfterMaxMs = long.MaxValue,
    bool Compacted = false,
    int MaxDelayedFetches = ReplicaManagerOptions.DefaultMaxDelayedOperations,
    int MaxDelayedProduces = ReplicaManagerOptions.DefaultMaxDelayedOperations)
{
    /// <summary>
    /// A delayed operation holds a few hundred bytes and a timer; a connection has at most 64
    /// requests in flight, so this covers ~150 connections all long-polling at once.
    /// </summary>
    public const int DefaultMaxDelayedOperations = 10_000;

    public Func<MetadataImage, TopicImage, IReadOnlyDictionary<string, string>>? TopicConfigs { get; init; }

    public int MinInsyncReplicas { get; init; } = 1;

    public long ReplicaLagTimeMaxMs { get; init; } = 30_000;

    public Func<TopicPartition, long?>? HighWatermarkCheckpoint { get; init; }

    public ProduceLimits ProduceLimits => new(MessageMaxBytes, LogAppendTime, TimestampBeforeMaxMs, TimestampAfterMaxMs, Compacted);
}
