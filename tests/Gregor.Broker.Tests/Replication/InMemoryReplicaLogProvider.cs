using System.Collections.Concurrent;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;

namespace Gregor.Broker.Tests.Replication;

internal sealed class InMemoryReplicaLogProvider : IReplicaLogProvider
{
    public ConcurrentDictionary<TopicPartition, InMemoryReplicaLog> Logs { get; } = new();

    public ConcurrentBag<TopicPartition> Deleted { get; } = [];

    public IReplicaLog GetOrCreate(TopicPartition partition, Guid topicId, IReadOnlyDictionary<string, string> topicConfigs) =>
        Logs.GetOrAdd(partition, _ => new InMemoryReplicaLog());

    public void Delete(TopicPartition partition)
    {
        Logs.TryRemove(partition, out _);
        Deleted.Add(partition);
    }
}
