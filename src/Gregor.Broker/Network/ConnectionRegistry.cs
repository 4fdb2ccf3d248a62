using System.Collections.Concurrent;

namespace Gregor.Broker.Network;

/// <summary>
/// The open connections of this broker, for the idle reaper, shutdown and metrics. Also
/// hands out connection ids. Thread-safe (a concurrent dictionary keyed by a counter).
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, KafkaConnection> _connections = new();
    private long _nextIndex;

    /// <summary>Connections currently open.</summary>
    public int Count => _connections.Count;

    internal long NextIndex() => Interlocked.Increment(ref _nextIndex);

    internal void Add(long index, KafkaConnection connection) => _connections[index] = connection;

    internal void Remove(long index) => _connections.TryRemove(index, out _);

    internal IEnumerable<KafkaConnection> Snapshot() => _connections.Values;
}
