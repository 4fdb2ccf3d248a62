namespace Gregor.Broker.Coordinator;

/// <summary>
/// The compacted internal topic a coordinator keeps its state in (Kafka's <c>PartitionWriter</c>
/// and the reading half of its <c>CoordinatorLoader</c>): <c>__consumer_offsets</c> for groups,
/// later <c>__share_group_state</c> or <c>__transaction_state</c>. The broker's implementation
/// appends through the ReplicaManager; tests use an in-memory one. The runtime calls
/// <see cref="AppendAsync"/> for one partition at a time, in order; different partitions concurrently.
/// </summary>
public interface ICoordinatorLog<TRecord>
{
    /// <summary>Appends records to one partition as one batch; returns once they are durable per the log's flush policy, throws when they are not.</summary>
    ValueTask AppendAsync(int partition, IReadOnlyList<TRecord> records, CancellationToken cancellationToken);

    /// <summary>Reads a partition from its start, in offset order (replay on load). Empty when the partition does not exist yet.</summary>
    IAsyncEnumerable<TRecord> ReadAllAsync(int partition, CancellationToken cancellationToken);
}
