using System.Collections.Immutable;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Metadata;

/// <summary>
/// An immutable snapshot of the cluster's metadata as of one offset of the metadata log:
/// brokers, topics, partitions (leader, epoch, replicas, ISR), topic configs and dynamic broker
/// configs (<see cref="BrokerConfigs"/>). Every node
/// reads topology only from the current image; a single node is a cluster of one. Images are
/// replaced whole (copy on write), so readers never lock.
/// </summary>
public sealed record MetadataImage(
    long Offset,
    string ClusterId,
    int ControllerId,
    ImmutableDictionary<int, BrokerImage> Brokers,
    ImmutableDictionary<string, TopicImage> TopicsByName,
    ImmutableDictionary<Guid, TopicImage> TopicsById)
{
    public static MetadataImage Empty(string clusterId, int controllerId) => new(
        -1,
        clusterId,
        controllerId,
        ImmutableDictionary<int, BrokerImage>.Empty,
        ImmutableDictionary<string, TopicImage>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<Guid, TopicImage>.Empty);

    /// <summary>
    /// Dynamic broker configs by resource name, as ConfigRecords of the BROKER resource set them:
    /// "" is the cluster-wide default (Kafka's &lt;default&gt; entity), "1" broker 1's own.
    /// </summary>
    public ImmutableDictionary<string, ImmutableDictionary<string, string>> BrokerConfigs { get; init; } =
        ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The dynamic configs of one broker resource ("" = cluster-wide default); empty when none.</summary>
    public ImmutableDictionary<string, string> BrokerConfigsOf(string resourceName) =>
        BrokerConfigs.GetValueOrDefault(resourceName) ?? ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Finalized feature levels (metadata.version, …) as FeatureLevelRecords set them.</summary>
    public ImmutableDictionary<string, short> FeatureLevels { get; init; } =
        ImmutableDictionary<string, short>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>Kafka's feature flag of eligible leader replicas (KIP-966); level 1 turns them on.</summary>
    public const string EligibleLeaderReplicasFeature = "eligible.leader.replicas.version";

    /// <summary>
    /// True unless the log turned eligible leader replicas off (a FeatureLevelRecord of
    /// <see cref="EligibleLeaderReplicasFeature"/> at level 0): Gregor runs with ELR on by default,
    /// as Kafka 4.1 does for new clusters. Partition records are then written at v2 with their ELR fields.
    /// </summary>
    public bool EligibleLeaderReplicasEnabled => !FeatureLevels.TryGetValue(EligibleLeaderReplicasFeature, out var level) || level >= 1;

    /// <summary>The first producer id of the next block the controller hands out (ProducerIdsRecord).</summary>
    public long NextProducerId { get; init; }

    public TopicImage? Topic(string name) => TopicsByName.GetValueOrDefault(name);

    public PartitionImage? Partition(string topic, int partition) =>
        TopicsByName.TryGetValue(topic, out var t) ? t.Partitions.GetValueOrDefault(partition) : null;
}

/// <summary>
/// A registered broker and the listener clients should connect to (<see cref="Host"/>:<see cref="Port"/>,
/// the first of <see cref="Endpoints"/>). <see cref="Epoch"/> is the broker epoch (the offset of its
/// RegisterBrokerRecord), <see cref="IncarnationId"/> the process incarnation that registered.
/// Fenced brokers are neither placed on nor listed to clients.
/// </summary>
public sealed record BrokerImage(int NodeId, string Host, int Port, string? Rack, bool Fenced = false)
{
    public long Epoch { get; init; } = -1;
    public Guid IncarnationId { get; init; }
    public bool InControlledShutdown { get; init; }
    public ImmutableArray<BrokerEndpoint> Endpoints { get; init; } = [];
}

/// <summary>A topic: id, partitions by index, and its dynamic topic-level configs.</summary>
public sealed record TopicImage(
    string Name,
    Guid TopicId,
    ImmutableDictionary<int, PartitionImage> Partitions,
    ImmutableDictionary<string, string> Configs,
    bool IsInternal = false);

/// <summary>
/// One partition's replica assignment and leadership (Kafka's PartitionRegistration). During a
/// reassignment <see cref="Replicas"/> is the target followed by the replicas being removed, and
/// <see cref="AddingReplicas"/> / <see cref="RemovingReplicas"/> say which are which.
/// <see cref="Elr"/> (KIP-966) holds replicas that left the ISR while it was below
/// min.insync.replicas and so still have every committed record: they may be elected when the
/// ISR is empty. <see cref="LastKnownElr"/> remembers the last leader of a leaderless partition.
/// </summary>
public sealed record PartitionImage(
    int Partition,
    int Leader,
    int LeaderEpoch,
    ImmutableArray<int> Replicas,
    ImmutableArray<int> Isr,
    int PartitionEpoch = 0)
{
    public ImmutableArray<int> AddingReplicas { get; init; } = [];

    public ImmutableArray<int> RemovingReplicas { get; init; } = [];

    public ImmutableArray<int> Elr { get; init; } = [];

    public ImmutableArray<int> LastKnownElr { get; init; } = [];

    public LeaderRecoveryState LeaderRecoveryState { get; init; }

    /// <summary>The log directory of each replica, in replica order; empty when not assigned.</summary>
    public ImmutableArray<Guid> Directories { get; init; } = [];

    /// <summary>True while a reassignment is adding or removing replicas.</summary>
    public bool IsReassigning => !AddingReplicas.IsDefaultOrEmpty || !RemovingReplicas.IsDefaultOrEmpty;

    /// <summary>The first replica, which leads when it can (preferred leader election).</summary>
    public int PreferredLeader => Replicas.IsDefaultOrEmpty ? -1 : Replicas[0];
}
