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

/// <summary>One partition's replica assignment and leadership.</summary>
public sealed record PartitionImage(
    int Partition,
    int Leader,
    int LeaderEpoch,
    ImmutableArray<int> Replicas,
    ImmutableArray<int> Isr,
    int PartitionEpoch = 0);
