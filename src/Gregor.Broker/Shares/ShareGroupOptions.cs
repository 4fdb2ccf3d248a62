using Gregor.Broker.Config;

namespace Gregor.Broker.Shares;

/// <summary>
/// Broker-wide share group settings (Kafka 4.2's <c>group.share.*</c> keys, defined once in the
/// config catalogue). Immutable.
/// </summary>
public sealed record ShareGroupOptions
{
    /// <summary>A member that sends no heartbeat for this long leaves the group (group.share.session.timeout.ms).</summary>
    public int SessionTimeoutMs { get; init; } = 45_000;

    /// <summary>What heartbeats tell members to use (group.share.heartbeat.interval.ms).</summary>
    public int HeartbeatIntervalMs { get; init; } = 5_000;

    /// <summary>The most members one share group may have (group.share.max.size).</summary>
    public int MaxGroupSize { get; init; } = 200;

    /// <summary>The most share sessions this broker keeps (group.share.max.share.sessions).</summary>
    public int MaxShareSessions { get; init; } = 2_000;

    /// <summary>The per-partition settings every share partition starts from.</summary>
    public SharePartitionOptions Partition { get; init; } = new();

    /// <summary>Where a share partition starts when first used: "latest" (Kafka's default) or "earliest".</summary>
    public string AutoOffsetReset { get; init; } = "latest";

    /// <summary>The most records one ShareFetch acquires when the request names no limit.</summary>
    public int DefaultMaxRecords { get; init; } = 500;

    public static ShareGroupOptions From(BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ShareGroupOptions
        {
            SessionTimeoutMs = config.GroupShareSessionTimeoutMs,
            HeartbeatIntervalMs = config.GroupShareHeartbeatIntervalMs,
            MaxGroupSize = config.GroupShareMaxSize,
            MaxShareSessions = config.GroupShareMaxShareSessions,
            Partition = new SharePartitionOptions
            {
                RecordLockDurationMs = config.GroupShareRecordLockDurationMs,
                DeliveryCountLimit = config.GroupShareDeliveryCountLimit,
                MaxRecordLocks = config.GroupSharePartitionMaxRecordLocks,
            },
        };
    }
}
