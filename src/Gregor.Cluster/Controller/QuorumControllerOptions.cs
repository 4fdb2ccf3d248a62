namespace Gregor.Cluster.Controller;

/// <summary>
/// What the controller needs from the broker config. StaticBrokerConfigs are the broker's
/// static key/values (server.properties and overrides): with the dynamic broker configs of the
/// metadata image they give each topic config its default (e.g. retention.ms from
/// log.retention.hours), see <see cref="Configs.EffectiveConfigs"/>.
/// </summary>
public sealed record QuorumControllerOptions
{
    public required int NodeId { get; init; }

    /// <summary>Where meta.properties and the metadata log live; null keeps nothing on disk (tests).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Used when no meta.properties holds one yet (tests); otherwise generated and persisted.</summary>
    public string? ClusterId { get; init; }

    public string AdvertisedHost { get; init; } = "127.0.0.1";
    public int AdvertisedPort { get; init; } = 9092;
    public string ListenerName { get; init; } = "PLAINTEXT";
    public string? Rack { get; init; }
    public int DefaultNumPartitions { get; init; } = 1;
    public short DefaultReplicationFactor { get; init; } = 1;
    public bool DeleteTopicEnable { get; init; } = true;

    /// <summary>Upper bound on partitions per topic, so one request cannot make the node open millions of logs.</summary>
    public int MaxPartitionsPerTopic { get; init; } = 10_000;

    /// <summary>broker.session.timeout.ms: an unfenced broker without a heartbeat for this long is fenced (quorum mode).</summary>
    public long BrokerSessionTimeoutMs { get; init; } = 9_000;

    /// <summary>auto.leader.rebalance.enable (Kafka's default: on).</summary>
    public bool AutoLeaderRebalanceEnable { get; init; } = true;

    /// <summary>leader.imbalance.check.interval.seconds, in ms (300 s).</summary>
    public long LeaderImbalanceCheckIntervalMs { get; init; } = 300_000;

    /// <summary>leader.imbalance.per.broker.percentage (10).</summary>
    public int LeaderImbalancePerBrokerPercentage { get; init; } = 10;

    public IReadOnlyDictionary<string, string> StaticBrokerConfigs { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Extra validation of a topic's complete dynamic config set (e.g. storage's LogConfig);
    /// returns an INVALID_CONFIG message or null.
    /// </summary>
    public Func<IReadOnlyDictionary<string, string>, string?>? TopicConfigValidator { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
