using System.Buffers;
using System.Collections.Concurrent;

namespace Gregor.Cluster.Purgatory;

/// <summary>
/// Where delayed operations of one kind wait (Kafka's DelayedOperationPurgatory): each is watched
/// under one or more keys (a partition), and whoever changes a key's state (an append advancing the
/// high watermark, a partition going away) calls <see cref="CheckAndComplete"/> for it, which
/// re-checks only the operations watching that key. Expiry is one timer per watched operation (the
/// runtime's timer queue; an operation completed in time disposes its timer), cancellation a
/// registration on the request's token (the connection closing).
/// <para>
/// Bounded: at most <see cref="MaxWatched"/> operations wait at once; one more is completed at
/// once with <see cref="DelayedOperationOutcome.Overflowed"/> (a fetch then answers with what it
/// has, a produce with NOT_ENOUGH_REPLICAS_AFTER_APPEND), so memory does not grow with the number
/// of clients that long-poll.
/// </para>
/// <para>
/// No lost wake-up: <see cref="TryCompleteElseWatch"/> checks the condition, adds the operation
/// to its keys' watch lists, then checks again. A change made before the operation was on a list
/// is seen by the second check; a change made after finds it on the list (callers change the state
/// first, then call <see cref="CheckAndComplete"/>).
/// </para>
/// Thread-safety: every member may be called concurrently. Watch lists change under one lock
/// (per registration and completion, not per append); <see cref="CheckAndComplete"/> takes it
/// only when the key has watchers, and runs the checks outside it.
/// </summary>
public sealed class DelayedOperationPurgatory<TKey> : IDisposable
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, List<DelayedOperation>> _watchers = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Action<DelayedOperation> _unwatch;
    private int _watched;
    private long _overflowed;
    private bool _disposed;

    public DelayedOperationPurgatory(string kind, int maxWatched, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWatched);
        Kind = kind;
        MaxWatched = maxWatched;
        _time = timeProvider ?? TimeProvider.System;
        _unwatch = Unwatch;
    }

    /// <summary>What waits here ("fetch", "produce"): the metric tag.</summary>
    public string Kind { get; }

    public int MaxWatched { get; }

    /// <summary>Operations waiting now.</summary>
    public int Count => Volatile.Read(ref _watched);

    /// <summary>Operations completed at once because the purgatory was full.</summary>
    public long Overflowed => Interlocked.Read(ref _overflowed);

    /// <summary>Operations waiting on <paramref name="key"/>.</summary>
    public int WatcherCount(TKey key)
    {
        lock (_lock)
        {
            return _watchers.TryGetValue(key, out var list) ? list.Count : 0;
        }
    }

    /// <summary>
    /// Completes <paramref name="operation"/> now if it can, otherwise watches it under
    /// <paramref name="keys"/> until a change completes it, its timeout expires it, or
    /// <paramref name="cancellationToken"/> cancels it. Returns true when it is already complete
    /// (also when it overflowed the purgatory).
    /// </summary>
    public bool TryCompleteElseWatch(DelayedOperation operation, IReadOnlyList<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(keys);
        if (operation.TryComplete())
        {
            return true;
        }
        var full = false;
        lock (_lock)
        {
            if (_disposed || _watched >= MaxWatched)
            {
                full = true;
            }
            else
            {
                _watched++;
                // Before it is on any list: from then on, whoever ends it unwatches it.
                operation.PrepareWatch(keys, _unwatch);
                AddToLists(operation, keys);
            }
        }
        if (full)
        {
            Interlocked.Increment(ref _overflowed);
            operation.Overflow();
            return true;
        }
        operation.Arm(_time, cancellationToken);
        return operation.TryComplete() || operation.IsCompleted;
    }

    private void AddToLists(DelayedOperation operation, IReadOnlyList<TKey> keys)
    {
        foreach (var key in keys)
        {
            if (!_watchers.TryGetValue(key, out var list))
            {
                list = [];
                _watchers[key] = list;
            }
            list.Add(operation);
        }
    }

    /// <summary>
    /// Re-checks the operations watching <paramref name="key"/> after its state changed; returns
    /// how many completed. Cheap when nobody watches the key (one dictionary lookup).
    /// </summary>
    public int CheckAndComplete(TKey key)
    {
        if (_watchers.IsEmpty || !_watchers.ContainsKey(key))
        {
            return 0;
        }
        DelayedOperation[] snapshot;
        int count;
        lock (_lock)
        {
            if (!_watchers.TryGetValue(key, out var list))
            {
                return 0;
            }
            count = list.Count;
            snapshot = ArrayPool<DelayedOperation>.Shared.Rent(count);
            list.CopyTo(snapshot);
        }
        var completed = 0;
        try
        {
            // Outside the lock: a completion unwatches (takes the lock) and runs OnComplete.
            for (var i = 0; i < count; i++)
            {
                if (!snapshot[i].IsCompleted && snapshot[i].TryComplete())
                {
                    completed++;
                }
            }
        }
        finally
        {
            ArrayPool<DelayedOperation>.Shared.Return(snapshot, clearArray: true);
        }
        return completed;
    }

    private void Unwatch(DelayedOperation operation)
    {
        lock (_lock)
        {
            if (operation.WatchedKeys is not IReadOnlyList<TKey> keys)
            {
                return;
            }
            operation.WatchedKeys = null;
            _watched--;
            foreach (var key in keys)
            {
                if (_watchers.TryGetValue(key, out var list))
                {
                    list.Remove(operation);
                    if (list.Count == 0)
                    {
                        _watchers.TryRemove(key, out _);
                    }
                }
            }
        }
    }

    /// <summary>Completes every waiting operation (their requests answer with what they have) and refuses new ones.</summary>
    public void Dispose()
    {
        List<DelayedOperation> waiting = [];
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var list in _watchers.Values)
            {
                waiting.AddRange(list);
            }
        }
        foreach (var operation in waiting)
        {
            operation.ForceComplete();
        }
    }
}
