namespace Gregor.Cluster.Partitions;

/// <summary>
/// Settings of the replica manager: this node's id (it hosts the partitions it leads), the
/// broker-wide produce limits — message.max.bytes, log.message.timestamp.type and
/// log.message.timestamp.before/after.max.ms, which topic configs override (unset here = no
/// timestamp bound; the composition root passes the broker config), log.cleanup.policy (whether
/// topics without their own cleanup.policy are compacted) — and the fetch session bound.
/// </summary>
public sealed record ReplicaManagerOptions(
    int NodeId,
    int MessageMaxBytes = 1048588,
    int MaxFetchSessions = FetchSessionCache.DefaultMaxSessions,
    bool LogAppendTime = false,
    long TimestampBeforeMaxMs = long.MaxValue,
    long TimestampAfterMaxMs = long.MaxValue,
    bool Compacted = false)
{
    public ProduceLimits ProduceLimits => new(MessageMaxBytes, LogAppendTime, TimestampBeforeMaxMs, TimestampAfterMaxMs, Compacted);
}
