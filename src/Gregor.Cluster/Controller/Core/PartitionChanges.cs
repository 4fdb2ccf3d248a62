using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// The partition changes one controller operation generates, and the partitions as they will be
/// once those apply: later steps of the same operation (a second item for one partition, the
/// leaderships a shutting-down broker keeps) see the earlier ones, as Kafka's timeline state does.
/// </summary>
internal sealed class PartitionChanges(MetadataImage image)
{
    private readonly Dictionary<(Guid TopicId, int Partition), PartitionImage> _changed = [];

    public List<MetadataRecord> Records { get; } = [];

    public MetadataImage Image => image;

    public PartitionImage? Current(Guid topicId, int partition) =>
        _changed.TryGetValue((topicId, partition), out var changed)
            ? changed
            : image.TopicsById.TryGetValue(topicId, out var topic) ? topic.Partitions.GetValueOrDefault(partition) : null;

    /// <summary>Adds <paramref name="change"/> (if any) and returns the partition after it.</summary>
    public PartitionImage Apply(PartitionImage before, PartitionChangeRecord? change)
    {
        if (change is null)
        {
            return before;
        }
        Records.Add(change);
        var after = MetadataImageBuilder.Merge(before, change);
        _changed[(change.TopicId, change.PartitionId)] = after;
        return after;
    }

    /// <summary>Every partition, with this operation's changes applied, in a deterministic order (topic name, partition).</summary>
    public IEnumerable<(TopicImage Topic, PartitionImage Partition)> All()
    {
        foreach (var topic in image.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (var id in topic.Partitions.Keys.Order())
            {
                yield return (topic, Current(topic.TopicId, id)!);
            }
        }
    }
}
