using System.Collections.Immutable;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Metadata;

/// <summary>
/// Applies metadata records, in log order, to an image and builds the next immutable image.
/// Used both to replay the log on start and to publish after each commit, so a restarted node
/// reaches exactly the image it had. Also tracks controller-only state carried by the log
/// (next producer id, feature levels, broker epochs). Not thread-safe: one builder per apply.
/// </summary>
internal sealed class MetadataImageBuilder
{
    private readonly string _clusterId;
    private readonly int _controllerId;
    private readonly ImmutableDictionary<int, BrokerImage>.Builder _brokers;
    private readonly ImmutableDictionary<string, TopicImage>.Builder _topicsByName;
    private readonly ImmutableDictionary<Guid, TopicImage>.Builder _topicsById;
    private readonly ImmutableDictionary<string, ImmutableDictionary<string, string>>.Builder _brokerConfigs;
    private long _offset;

    public MetadataImageBuilder(MetadataImage image)
    {
        _clusterId = image.ClusterId;
        _controllerId = image.ControllerId;
        _offset = image.Offset;
        _brokers = image.Brokers.ToBuilder();
        _topicsByName = image.TopicsByName.ToBuilder();
        _topicsById = image.TopicsById.ToBuilder();
        _brokerConfigs = image.BrokerConfigs.ToBuilder();
    }

    public long NextProducerId { get; set; }

    public Dictionary<string, short> FeatureLevels { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<int, long> BrokerEpochs { get; init; } = [];

    public void Apply(long offset, MetadataRecord? record)
    {
        _offset = offset;
        switch (record)
        {
            case RegisterBrokerRecord broker:
                var endpoint = broker.EndPoints.IsDefaultOrEmpty ? null : broker.EndPoints[0];
                _brokers[broker.BrokerId] = new BrokerImage(
                    broker.BrokerId, endpoint?.Host ?? "", endpoint?.Port ?? 0, broker.Rack, broker.Fenced);
                BrokerEpochs[broker.BrokerId] = broker.BrokerEpoch;
                break;
            case TopicRecord topic:
                Put(new TopicImage(
                    topic.Name,
                    topic.TopicId,
                    ImmutableDictionary<int, PartitionImage>.Empty,
                    ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal),
                    TopicNames.IsInternal(topic.Name)));
                break;
            case PartitionRecord partition when _topicsById.TryGetValue(partition.TopicId, out var owner):
                Put(owner with
                {
                    Partitions = owner.Partitions.SetItem(partition.PartitionId, new PartitionImage(
                        partition.PartitionId,
                        partition.Leader,
                        partition.LeaderEpoch,
                        partition.Replicas,
                        partition.Isr,
                        partition.PartitionEpoch)),
                });
                break;
            case ConfigRecord { ResourceType: ConfigRecord.TopicResource } config
                when _topicsByName.TryGetValue(config.ResourceName, out var configured):
                Put(configured with
                {
                    Configs = config.Value is null
                        ? configured.Configs.Remove(config.Name)
                        : configured.Configs.SetItem(config.Name, config.Value),
                });
                break;
            case ConfigRecord { ResourceType: ConfigRecord.BrokerResource } config:
                var current = _brokerConfigs.GetValueOrDefault(config.ResourceName)
                    ?? ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);
                var next = config.Value is null ? current.Remove(config.Name) : current.SetItem(config.Name, config.Value);
                if (next.IsEmpty)
                {
                    _brokerConfigs.Remove(config.ResourceName);
                }
                else
                {
                    _brokerConfigs[config.ResourceName] = next;
                }
                break;
            case RemoveTopicRecord remove when _topicsById.TryGetValue(remove.TopicId, out var removed):
                _topicsById.Remove(removed.TopicId);
                _topicsByName.Remove(removed.Name);
                break;
            case ProducerIdsRecord producerIds:
                NextProducerId = Math.Max(NextProducerId, producerIds.NextProducerId);
                break;
            case FeatureLevelRecord feature:
                FeatureLevels[feature.Name] = feature.FeatureLevel;
                break;
            default:
                // Unknown record types and records for topics already removed change nothing here.
                break;
        }
    }

    private void Put(TopicImage topic)
    {
        _topicsByName[topic.Name] = topic;
        _topicsById[topic.TopicId] = topic;
    }

    public MetadataImage Build() => new(
        _offset,
        _clusterId,
        _controllerId,
        _brokers.ToImmutable(),
        _topicsByName.ToImmutable(),
        _topicsById.ToImmutable())
    {
        BrokerConfigs = _brokerConfigs.ToImmutable(),
    };
}
