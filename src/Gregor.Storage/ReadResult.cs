namespace Gregor.Storage;

/// <summary>
/// The batches a <see cref="PartitionLog.Read"/> found, as file ranges the network layer reads
/// straight into the socket's buffer (positional reads of <see cref="FileRange.File"/>), or that
/// <see cref="CopyTo"/> copies into one buffer.
/// <para>Lifetime rule: the result holds a reference on each segment file it points into, so the
/// ranges stay readable, even if retention deletes the segment, until <see cref="Dispose"/>.
/// Dispose it once the bytes are sent. Truncation (replication) rewrites the tail in place; a
/// range read after a truncation below it may return bytes of the new tail, so callers read
/// before acknowledging anything that depends on it.</para>
/// Not thread-safe; Dispose is idempotent.
/// </summary>
public sealed class ReadResult : IDisposable
{
    private readonly FileRange[] _ranges;
    private int _disposed;

    internal ReadResult(FileRange[] ranges, int totalBytes, long firstOffset, long logStartOffset, long logEndOffset)
    {
        _ranges = ranges;
        TotalBytes = totalBytes;
        FirstOffset = firstOffset;
        LogStartOffset = logStartOffset;
        LogEndOffset = logEndOffset;
    }

    /// <summary>The ranges, in log order. Empty when nothing is readable below the bound.</summary>
    public IReadOnlyList<FileRange> Ranges => _ranges;

    /// <summary>Sum of the ranges' lengths.</summary>
    public int TotalBytes { get; }

    /// <summary>Base offset of the first batch returned (may be below the requested offset: batches are whole), or -1 when empty.</summary>
    public long FirstOffset { get; }

    public long LogStartOffset { get; }

    public long LogEndOffset { get; }

    /// <summary>Copies all ranges, in order, into <paramref name="destination"/> (at least <see cref="TotalBytes"/> long).</summary>
    public void CopyTo(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (destination.Length < TotalBytes)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, need {TotalBytes}", nameof(destination));
        }
        var at = 0;
        foreach (var range in _ranges)
        {
            var span = destination.Slice(at, range.Length);
            var read = 0;
            while (read < span.Length)
            {
                var n = RandomAccess.Read(range.File.Handle, span[read..], range.Position + read);
                if (n == 0)
                {
                    throw new StorageException($"segment {range.File.Path} ended before position {range.Position + range.Length}");
                }
                read += n;
            }
            at += range.Length;
        }
    }

    /// <summary>All bytes as a new array (tests and tools; the fetch path uses ranges or a pooled buffer).</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[TotalBytes];
        CopyTo(bytes);
        return bytes;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var range in _ranges)
        {
            range.File.Release();
        }
    }
}
