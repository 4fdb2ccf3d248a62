namespace Gregor.Cluster.Simulation;

/// <summary>A running 64-bit hash of everything that happened (FNV-1a over 64-bit words): equal seeds give equal hashes.</summary>
public sealed class TraceHash
{
    private ulong _hash = 14695981039346656037UL;

    public ulong Value => _hash;

    public long Events { get; private set; }

    public void Add(long a, long b = 0, long c = 0, long d = 0)
    {
        Events++;
        Mix(a);
        Mix(b);
        Mix(c);
        Mix(d);
    }

    private void Mix(long value)
    {
        _hash ^= (ulong)value;
        _hash *= 1099511628211UL;
        _hash ^= _hash >> 29;
    }
}
