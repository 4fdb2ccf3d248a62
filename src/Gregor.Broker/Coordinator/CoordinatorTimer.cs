namespace Gregor.Broker.Coordinator;

/// <summary>
/// The timers of one coordinator partition (Kafka's <c>CoordinatorTimer</c>): session timeouts,
/// rebalance and sync deadlines, offset expiry. Each timer has a key; scheduling a key again
/// replaces the earlier timer, <see cref="Cancel"/> removes it, so a shard holds at most one
/// timer per key and the count stays bounded by its members and groups however often they are
/// rescheduled. When a timer is due its operation is queued on the partition's event loop and
/// runs there as a write operation (its records are appended like any other write's), so a
/// callback never races a request. A timer replaced or cancelled after it fired but before its
/// operation ran does nothing. Time comes from the injected <see cref="TimeProvider"/>, so tests
/// drive it with a fake clock. Thread-safe; created by the runtime, cancelled on unload.
/// </summary>
public sealed class CoordinatorTimer<TRecord>
{
    private readonly TimeProvider _time;
    private readonly Action<Entry> _onDue;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private bool _closed;

    internal CoordinatorTimer(TimeProvider time, Action<Entry> onDue)
    {
        _time = time;
        _onDue = onDue;
    }

    /// <summary>Timers waiting (metrics, and tests that check it stays bounded).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="operation"/> as a write on the partition's event loop once <paramref name="delayMs"/> passed; replaces a timer with the same key.</summary>
    public void Schedule(string key, long delayMs, Func<CoordinatorResult<ValueTuple, TRecord>> operation)
    {
        var entry = new Entry(this, key, operation);
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            if (_entries.Remove(key, out var previous))
            {
                previous.Timer?.Dispose();
            }
            // Registered before the ITimer exists: a fake clock may fire a zero delay inside CreateTimer.
            _entries[key] = entry;
        }
        var timer = _time.CreateTimer(static state => ((Entry)state!).Fire(), entry, TimeSpan.FromMilliseconds(Math.Max(0, delayMs)), Timeout.InfiniteTimeSpan);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var current) && current == entry)
            {
                entry.Timer = timer;
                return;
            }
        }
        // Replaced or cancelled while we created it.
        timer.Dispose();
    }

    public void Cancel(string key)
    {
        lock (_lock)
        {
            if (_entries.Remove(key, out var entry))
            {
                entry.Timer?.Dispose();
            }
        }
    }

    /// <summary>Removes the entry if it is still the key's current timer; false when it was replaced or cancelled.</summary>
    internal bool TryTake(Entry entry)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(entry.Key, out var current) || current != entry)
            {
                return false;
            }
            _entries.Remove(entry.Key);
            entry.Timer?.Dispose();
            return true;
        }
    }

    /// <summary>Cancels every timer and refuses new ones (the partition was unloaded).</summary>
    internal void Close()
    {
        lock (_lock)
        {
            _closed = true;
            foreach (var entry in _entries.Values)
            {
                entry.Timer?.Dispose();
            }
            _entries.Clear();
        }
    }

    internal sealed class Entry(CoordinatorTimer<TRecord> owner, string key, Func<CoordinatorResult<ValueTuple, TRecord>> operation)
    {
        public CoordinatorTimer<TRecord> Owner { get; } = owner;
        public string Key { get; } = key;
        public Func<CoordinatorResult<ValueTuple, TRecord>> Operation { get; } = operation;
        public ITimer? Timer { get; set; }

        public void Fire() => Owner._onDue(this);
    }
}
