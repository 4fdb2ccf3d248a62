namespace Gregor.Broker.Groups;

/// <summary>
/// Where the group coordinator keeps its records: the partitions of the internal compacted
/// topic <c>__consumer_offsets</c>. The broker's implementation appends through the
/// ReplicaManager; tests use <see cref="InMemoryGroupLogStore"/>. Implementations may be
/// called concurrently for different partitions; the coordinator serialises appends to one
/// partition itself.
/// </summary>
public interface IGroupLogStore
{
    /// <summary>Appends records to one partition; returns once they are durable per the log's flush policy.</summary>
    ValueTask AppendAsync(int partition, IReadOnlyList<GroupLogRecord> records, CancellationToken cancellationToken);

    /// <summary>Reads a partition from its start, in offset order (replay on load). Empty when the partition does not exist yet.</summary>
    IAsyncEnumerable<GroupLogRecord> ReadAllAsync(int partition, CancellationToken cancellationToken);
}
