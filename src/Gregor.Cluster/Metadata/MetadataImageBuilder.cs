using System.Collections.Immutable;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Metadata;

/// <summary>
/// Applies metadata records, in log order, to an image and builds the next immutable image
/// (Kafka's MetadataDelta). The one replay path: the metadata loader (every node), the
/// controller's committed and uncommitted state, and snapshot loading all use it, so they
/// cannot disagree. Records for unknown topics or stale broker epochs change nothing.
/// Not thread-safe: one builder per apply.
/// </summary>
public sealed class MetadataImageBuilder
{
    private readonly MetadataImage _base;
    private readonly ImmutableDictionary<int, BrokerImage>.Builder _brokers;
    private readonly ImmutableDictionary<string, TopicImage>.Builder _topicsByName;
    private readonly ImmutableDictionary<Guid, TopicImage>.Builder _topicsById;
    private readonly ImmutableDictionary<string, ImmutableDictionary<string, string>>.Builder _brokerConfigs;
    private readonly ImmutableDictionary<string, short>.Builder _featureLevels;
    private long _offset;
    private long _nextProducerId;

    public MetadataImageBuilder(MetadataImage image)
    {
        _base = image;
        _offset = image.Offset;
        _nextProducerId = image.NextProducerId;
        _brokers = image.Brokers.ToBuilder();
        _topicsByName = image.TopicsByName.ToBuilder();
        _topicsById = image.TopicsById.ToBuilder();
        _brokerConfigs = image.BrokerConfigs.ToBuilder();
        _featureLevels = image.FeatureLevels.ToBuilder();
    }

    /// <summary>Moves the image's offset past records it does not hold (control batches).</summary>
    public void AdvanceTo(long offset) => _offset = Math.Max(_offset, offset);

    public void Apply(long offset, MetadataRecord? record)
    {
        _offset = offset;
        switch (record)
        {
            case RegisterBrokerRecord broker:
                var endpoint = broker.EndPoints.IsDefaultOrEmpty ? null : broker.EndPoints[0];
                _brokers[broker.BrokerId] = new BrokerImage(
                    broker.BrokerId, endpoint?.Host ?? "", endpoint?.Port ?? 0, broker.Rack, broker.Fenced)
                {
                    Epoch = broker.BrokerEpoch,
                    IncarnationId = broker.IncarnationId,
                    InControlledShutdown = broker.InControlledShutdown,
                    Endpoints = broker.EndPoints.IsDefault ? [] : broker.EndPoints,
                };
                break;
            case UnregisterBrokerRecord unregister when BrokerAt(unregister.BrokerId, unregister.BrokerEpoch) is not null:
                _brokers.Remove(unregister.BrokerId);
                break;
            case FenceBrokerRecord fence when BrokerAt(fence.Id, fence.Epoch) is { } fenced:
                _brokers[fence.Id] = fenced with { Fenced = true };
                break;
            case UnfenceBrokerRecord unfence when BrokerAt(unfence.Id, unfence.Epoch) is { } unfenced:
                _brokers[unfence.Id] = unfenced with { Fenced = false };
                break;
            case BrokerRegistrationChangeRecord change when BrokerAt(change.BrokerId, change.BrokerEpoch) is { } changed:
                _brokers[change.BrokerId] = changed with
                {
                    Fenced = change.Fenced switch
                    {
                        BrokerRegistrationChangeRecord.FenceChangeFenced => true,
                        BrokerRegistrationChangeRecord.FenceChangeUnfenced => false,
                        _ => changed.Fenced,
                    },
                    InControlledShutdown = changed.InControlledShutdown || change.InControlledShutdown == 1,
                };
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
                        partition.PartitionEpoch)
                    {
                        AddingReplicas = partition.AddingReplicas,
                        RemovingReplicas = partition.RemovingReplicas,
                        LeaderRecoveryState = partition.LeaderRecoveryState,
                        Directories = partition.Directories,
                        Elr = partition.EligibleLeaderReplicas ?? [],
                        LastKnownElr = partition.LastKnownElr ?? [],
                    }),
                });
                break;
            case PartitionChangeRecord change
                when _topicsById.TryGetValue(change.TopicId, out var topicOfChange)
                     && topicOfChange.Partitions.TryGetValue(change.PartitionId, out var before):
                Put(topicOfChange with { Partitions = topicOfChange.Partitions.SetItem(change.PartitionId, Merge(before, change)) });
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
                _nextProducerId = Math.Max(_nextProducerId, producerIds.NextProducerId);
                break;
            case FeatureLevelRecord feature:
                _featureLevels[feature.Name] = feature.FeatureLevel;
                break;
            default:
                // NoOp, unknown record types and records for topics already removed change nothing here.
                break;
        }
    }

    /// <summary>Applies every record of a batch whose first record is at <paramref name="baseOffset"/>.</summary>
    public void ApplyBatch(long baseOffset, long lastOffset, IReadOnlyList<MetadataRecord> records)
    {
        for (var i = 0; i < records.Count; i++)
        {
            Apply(baseOffset + i, records[i]);
        }
        AdvanceTo(lastOffset);
    }

    /// <summary>
    /// A partition after <paramref name="change"/> (Kafka's PartitionRegistration.merge): the
    /// partition epoch always moves, the leader epoch whenever the record sets a leader. New
    /// replicas without new directories leave the directories unassigned.
    /// </summary>
    public static PartitionImage Merge(PartitionImage before, PartitionChangeRecord change) => before with
    {
        Leader = change.Leader == PartitionChangeRecord.LeaderUnchanged ? before.Leader : change.Leader,
        LeaderEpoch = change.Leader == PartitionChangeRecord.LeaderUnchanged ? before.LeaderEpoch : before.LeaderEpoch + 1,
        Isr = change.Isr ?? before.Isr,
        Replicas = change.Replicas ?? before.Replicas,
        AddingReplicas = change.AddingReplicas ?? before.AddingReplicas,
        RemovingReplicas = change.RemovingReplicas ?? before.RemovingReplicas,
        LeaderRecoveryState = change.LeaderRecoveryState ?? before.LeaderRecoveryState,
        Directories = change.Directories ?? (change.Replicas is null ? before.Directories : []),
        Elr = change.EligibleLeaderReplicas ?? before.Elr,
        LastKnownElr = change.LastKnownElr ?? before.LastKnownElr,
        PartitionEpoch = before.PartitionEpoch + 1,
    };

    private BrokerImage? BrokerAt(int id, long epoch) =>
        _brokers.TryGetValue(id, out var broker) && broker.Epoch == epoch ? broker : null;

    private void Put(TopicImage topic)
    {
        _topicsByName[topic.Name] = topic;
        _topicsById[topic.TopicId] = topic;
    }

    public MetadataImage Build() => _base with
    {
        Offset = _offset,
        Brokers = _brokers.ToImmutable(),
        TopicsByName = _topicsByName.ToImmutable(),
        TopicsById = _topicsById.ToImmutable(),
        BrokerConfigs = _brokerConfigs.ToImmutable(),
        FeatureLevels = _featureLevels.ToImmutable(),
        NextProducerId = _nextProducerId,
    };
}
