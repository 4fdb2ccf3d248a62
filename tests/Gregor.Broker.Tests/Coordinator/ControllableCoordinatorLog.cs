using System.Runtime.CompilerServices;
using Gregor.Broker.Coordinator;

namespace Gregor.Broker.Tests.Coordinator;

/// <summary>
/// An in-memory coordinator log whose reads and appends a test can hold (gates) or fail, to see
/// a partition while it loads, an operation while its append is in flight, and a failed append.
/// Thread-safe.
/// </summary>
internal sealed class ControllableCoordinatorLog<TRecord> : ICoordinatorLog<TRecord>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, List<TRecord>> _partitions = [];

    /// <summary>When set, reads wait for it before returning anything.</summary>
    public TaskCompletionSource? ReadGate { get; set; }

    /// <summary>When set, appends wait for it (after <see cref="AppendStarted"/> is signalled).</summary>
    public TaskCompletionSource? AppendGate { get; set; }

    /// <summary>Completed when an append begins (reset it to watch the next one).</summary>
    public TaskCompletionSource AppendStarted { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? FailAppendsWith { get; set; }

    public Exception? FailReadsWith { get; set; }

    public void Seed(int partition, params TRecord[] records)
    {
        lock (_lock)
        {
            Records(partition).AddRange(records);
        }
    }

    public IReadOnlyList<TRecord> Snapshot(int partition)
    {
        lock (_lock)
        {
            return [.. Records(partition)];
        }
    }

    public async ValueTask AppendAsync(int partition, IReadOnlyList<TRecord> records, CancellationToken cancellationToken)
    {
        AppendStarted.TrySetResult();
        if (AppendGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
        // Let the caller's continuation hop threads, as a real append does.
        await Task.Yield();
        if (FailAppendsWith is { } failure)
        {
            throw failure;
        }
        lock (_lock)
        {
            Records(partition).AddRange(records);
        }
    }

    public async IAsyncEnumerable<TRecord> ReadAllAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (ReadGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }
        if (FailReadsWith is { } failure)
        {
            throw failure;
        }
        foreach (var record in Snapshot(partition))
        {
            yield return record;
        }
    }

    private List<TRecord> Records(int partition)
    {
        if (!_partitions.TryGetValue(partition, out var list))
        {
            _partitions[partition] = list = [];
        }
        return list;
    }
}
