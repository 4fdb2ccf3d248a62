namespace Gregor.Cluster.Controller.Core;

/// <summary>What the controller core is configured with (from the node's config, via the shell that builds it).</summary>
public sealed record ControllerCoreOptions
{
    public required int NodeId { get; init; }

    /// <summary>The cluster id of meta.properties; registrations from another cluster are refused.</summary>
    public required string ClusterId { get; init; }

    public int DefaultNumPartitions { get; init; } = 1;
    public short DefaultReplicationFactor { get; init; } = 1;
    public bool DeleteTopicEnable { get; init; } = true;

    /// <summary>Upper bound on partitions per topic, so one request cannot make nodes open millions of logs.</summary>
    public int MaxPartitionsPerTopic { get; init; } = 10_000;

    /// <summary>broker.session.timeout.ms: an unfenced broker without a heartbeat for this long is fenced.</summary>
    public long BrokerSessionTimeoutMs { get; init; } = 9_000;

    /// <summary>Requests that arrive while a new leader is still catching up wait here; beyond this they get NOT_CONTROLLER.</summary>
    public int MaxDeferredRequests { get; init; } = 10_000;

    /// <summary>Most records one request may write: one request is one atomic Raft batch (RaftOptions.MaxRecordsPerBatch).</summary>
    public int MaxRecordsPerBatch { get; init; } = 10_000;

    /// <summary>Largest producer id block one request may take.</summary>
    public int MaxProducerIdBlock { get; init; } = 1_000_000;

    /// <summary>The static broker configs under which topic defaults are computed (see <see cref="Configs.EffectiveConfigs"/>).</summary>
    public IReadOnlyDictionary<string, string> StaticBrokerConfigs { get; init; } = new Dictionary<string, string>();

    /// <summary>auto.leader.rebalance.enable: move leadership back to preferred replicas on a timer (Kafka's default: on).</summary>
    public bool AutoLeaderRebalanceEnable { get; init; } = true;

    /// <summary>leader.imbalance.check.interval.seconds, in ms (Kafka's default: 300 s).</summary>
    public long LeaderImbalanceCheckIntervalMs { get; init; } = 300_000;

    /// <summary>leader.imbalance.per.broker.percentage: a broker not leading more than this share of the partitions it prefers is rebalanced (10).</summary>
    public int LeaderImbalancePerBrokerPercentage { get; init; } = 10;

    /// <summary>Test-only broken variants (the simulator's canaries).</summary>
    internal ControllerFaults Faults { get; init; } = ControllerFaults.None;

    /// <summary>Extra validation of a topic's complete dynamic config set; returns an INVALID_CONFIG message or null.</summary>
    public Func<IReadOnlyDictionary<string, string>, string?>? TopicConfigValidator { get; init; }
}
