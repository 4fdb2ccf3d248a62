namespace Gregor.Cluster.Raft;

/// <summary>An <see cref="IQuorumStateStore"/> in memory (every write durable at once: it outlives the replica object, as the file outlives a crash).</summary>
public sealed class InMemoryQuorumStateStore : IQuorumStateStore
{
    private QuorumStateData? _state;

    public int Writes { get; private set; }

    public QuorumStateData? Read() => _state;

    public void Write(QuorumStateData state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        Writes++;
    }
}
