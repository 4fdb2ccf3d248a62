using Gregor.Protocol;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Opens, creates and deletes the logs of partitions this node hosts (a storage LogManager behind
/// it in production). Called by <see cref="ReplicaManager"/> on metadata changes only.
/// </summary>
public interface IReplicaLogProvider
{
    /// <summary>Opens the partition's existing log (recovering it) or creates an empty one.</summary>
    IReplicaLog GetOrCreate(TopicPartition partition, Guid topicId, IReadOnlyDictionary<string, string> topicConfigs);

    /// <summary>Closes and removes the partition's log and its files.</summary>
    void Delete(TopicPartition partition);
}
