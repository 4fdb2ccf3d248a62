using System.Runtime.CompilerServices;
using Gregor.Broker.Coordinator;

namespace Gregor.Broker.Groups;

/// <summary>
/// An <see cref="ICoordinatorLog{TRecord}"/> for the group coordinator that keeps every appended record in lists, for unit tests and
/// as the broker's fallback when no ReplicaManager is registered (offsets then do not survive a
/// restart). Survives "restarts" in tests by handing the same instance to a new coordinator.
/// Thread-safe. Grows with every commit (no compaction): not for production use.
/// </summary>
public sealed class InMemoryGroupLogStore : ICoordinatorLog<GroupLogRecord>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, List<GroupLogRecord>> _partitions = [];

    /// <summary>When set, appends throw it (to test write failures).</summary>
    public Exception? FailAppendsWith { get; set; }

    public ValueTask AppendAsync(int partition, IReadOnlyList<GroupLogRecord> records, CancellationToken cancellationToken)
    {
        if (FailAppendsWith is { } failure)
        {
            return ValueTask.FromException(failure);
        }
        lock (_lock)
        {
            if (!_partitions.TryGetValue(partition, out var list))
            {
                _partitions[partition] = list = [];
            }
            list.AddRange(records);
        }
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<GroupLogRecord> ReadAllAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        GroupLogRecord[] snapshot;
        lock (_lock)
        {
            snapshot = _partitions.TryGetValue(partition, out var list) ? [.. list] : [];
        }
        foreach (var record in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return record;
        }
        await Task.CompletedTask;
    }

    /// <summary>All records of one partition, in append order.</summary>
    public IReadOnlyList<GroupLogRecord> Records(int partition)
    {
        lock (_lock)
        {
            return _partitions.TryGetValue(partition, out var list) ? [.. list] : [];
        }
    }
}
