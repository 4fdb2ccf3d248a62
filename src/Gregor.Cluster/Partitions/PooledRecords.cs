using System.Buffers;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Record batch bytes read from a partition log for one fetch response, held in a buffer rented
/// from <see cref="ArrayPool{T}.Shared"/>. The bytes are whole batches exactly as stored: the
/// fetch path copies file ranges into this buffer with one positional read per range and never
/// looks at individual records (zero-copy sendfile is a later optimisation).
/// <para>
/// Lifecycle: created by an <see cref="IReplicaLog"/> read, owned by a <see cref="FetchResult"/>,
/// returned to the pool when that result is disposed after the response was written. Dispose is
/// idempotent and thread-safe; the memory must not be touched after it.
/// </para>
/// </summary>
public sealed class PooledRecords : IDisposable
{
    private byte[]? _buffer;
    private int _length;

    /// <summary>Rents a buffer of at least <paramref name="capacity"/> bytes, initially empty.</summary>
    public PooledRecords(int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, capacity));
    }

    public int Length => _length;

    public int Capacity => _buffer?.Length ?? 0;

    /// <summary>The batches read so far.</summary>
    public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, _length);

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(PooledRecords));

    /// <summary>Free space after the bytes already read, for the next positional read.</summary>
    public Memory<byte> GetWritableMemory(int count)
    {
        EnsureCapacity(count);
        return Buffer.AsMemory(_length, count);
    }

    public Span<byte> GetWritableSpan(int count)
    {
        EnsureCapacity(count);
        return Buffer.AsSpan(_length, count);
    }

    /// <summary>Marks <paramref name="count"/> bytes of the writable region as read.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_length + count > Buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _length += count;
    }

    /// <summary>Appends bytes (used by in-memory logs and tests).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetWritableSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Drops bytes past <paramref name="length"/> (a short read, a partial batch at a limit).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _length);
        _length = length;
    }

    private void EnsureCapacity(int count)
    {
        var buffer = Buffer;
        if (buffer.Length - _length >= count)
        {
            return;
        }
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, _length + count));
        buffer.AsSpan(0, _length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(buffer);
        _buffer = grown;
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
