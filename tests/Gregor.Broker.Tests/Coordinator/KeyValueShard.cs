using Gregor.Broker.Coordinator;

namespace Gregor.Broker.Tests.Coordinator;

/// <summary>One record of the test coordinator: a key set to a value, or deleted (null).</summary>
internal readonly record struct KeyValueRecord(string Key, long? Value);

/// <summary>
/// The smallest real coordinator shard: a key/value map rebuilt by <see cref="Replay"/>, plus a
/// journal of what ran, so tests can see order, overlap, load and unload.
/// </summary>
internal sealed class KeyValueShard(CoordinatorShardContext<KeyValueRecord> context) : ICoordinatorShard<KeyValueRecord>
{
    private int _running;

    public Dictionary<string, long> State { get; } = [];
    public List<string> Journal { get; } = [];
    public bool Loaded { get; private set; }
    public bool Unloaded { get; private set; }
    public int MaxConcurrent { get; private set; }
    public CoordinatorTimer<KeyValueRecord> Timer => context.Timer;

    public void Replay(KeyValueRecord record)
    {
        if (record.Value is { } value)
        {
            State[record.Key] = value;
        }
        else
        {
            State.Remove(record.Key);
        }
    }

    public void OnLoaded() => Loaded = true;

    public void OnUnloaded() => Unloaded = true;

    /// <summary>A write that records its turn and sets a key through replay.</summary>
    public CoordinatorResult<string, KeyValueRecord> Set(string key, long value, string label)
    {
        var running = Interlocked.Increment(ref _running);
        MaxConcurrent = Math.Max(MaxConcurrent, running);
        Journal.Add(label);
        Interlocked.Decrement(ref _running);
        return new([new KeyValueRecord(key, value)], label);
    }

    public long? Get(string key) => State.TryGetValue(key, out var v) ? v : null;
}
