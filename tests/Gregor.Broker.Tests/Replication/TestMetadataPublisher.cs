using System.Collections.Immutable;
using Gregor.Cluster.Metadata;

namespace Gregor.Broker.Tests.Replication;

/// <summary>A metadata publisher tests drive by hand: add and remove topics led by node 1.</summary>
internal sealed class TestMetadataPublisher : IMetadataPublisher
{
    private readonly List<Action<MetadataImage, MetadataImage>> _subscribers = [];

    public MetadataImage Current { get; private set; } = MetadataImage.Empty("test-cluster", 1);

    public IDisposable Subscribe(Action<MetadataImage, MetadataImage> onPublished)
    {
        _subscribers.Add(onPublished);
        return new Unsubscriber(() => _subscribers.Remove(onPublished));
    }

    public Guid AddTopic(string name, int partitions, int leader = 1, int leaderEpoch = 0, IDictionary<string, string>? configs = null)
    {
        var id = Guid.NewGuid();
        var partitionImages = Enumerable.Range(0, partitions).ToImmutableDictionary(
            p => p,
            p => new PartitionImage(p, leader, leaderEpoch, [leader], [leader]));
        var topic = new TopicImage(name, id, partitionImages, (configs ?? new Dictionary<string, string>()).ToImmutableDictionary());
        Publish(Current with
        {
            Offset = Current.Offset + 1,
            TopicsByName = Current.TopicsByName.SetItem(name, topic),
            TopicsById = Current.TopicsById.SetItem(id, topic),
        });
        return id;
    }

    /// <summary>Registers broker <paramref name="id"/> (unfenced) with <paramref name="epoch"/>: replicas must be registered brokers to join an ISR.</summary>
    public void AddBroker(int id, long epoch)
    {
        Publish(Current with
        {
            Offset = Current.Offset + 1,
            Brokers = Current.Brokers.SetItem(id, new BrokerImage(id, "127.0.0.1", 9000 + id, null) { Epoch = epoch }),
        });
    }

    /// <summary>A one-partition topic with the given assignment (replicas, ISR, leader and epochs).</summary>
    public Guid AddReplicatedTopic(string name, int[] replicas, int leader, int[]? isr = null, int leaderEpoch = 0, IDictionary<string, string>? configs = null)
    {
        var id = Guid.NewGuid();
        var topic = new TopicImage(name, id,
            ImmutableDictionary<int, PartitionImage>.Empty.Add(0, new PartitionImage(0, leader, leaderEpoch, [.. replicas], [.. isr ?? replicas])),
            (configs ?? new Dictionary<string, string>()).ToImmutableDictionary());
        Publish(Current with
        {
            Offset = Current.Offset + 1,
            TopicsByName = Current.TopicsByName.SetItem(name, topic),
            TopicsById = Current.TopicsById.SetItem(id, topic),
        });
        return id;
    }

    /// <summary>Publishes a change of partition 0 of <paramref name="name"/> (a new leader, epoch or ISR).</summary>
    public void ChangePartition(string name, Func<PartitionImage, PartitionImage> change)
    {
        var topic = Current.TopicsByName[name];
        var changed = topic with { Partitions = topic.Partitions.SetItem(0, change(topic.Partitions[0])) };
        Publish(Current with
        {
            Offset = Current.Offset + 1,
            TopicsByName = Current.TopicsByName.SetItem(name, changed),
            TopicsById = Current.TopicsById.SetItem(changed.TopicId, changed),
        });
    }

    public void RemoveTopic(string name)
    {
        var topic = Current.TopicsByName[name];
        Publish(Current with
        {
            Offset = Current.Offset + 1,
            TopicsByName = Current.TopicsByName.Remove(name),
            TopicsById = Current.TopicsById.Remove(topic.TopicId),
        });
    }

    private void Publish(MetadataImage next)
    {
        var previous = Current;
        Current = next;
        foreach (var subscriber in _subscribers.ToArray())
        {
            subscriber(previous, next);
        }
    }

    private sealed class Unsubscriber(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
