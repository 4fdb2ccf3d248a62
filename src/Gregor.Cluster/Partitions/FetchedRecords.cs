using System.Buffers;
using Gregor.Protocol.Primitives;
using Gregor.Storage;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The record batches a fetch read from one partition, as the storage read left them: file
/// ranges of segment files (whole batches, never parsed per record) that the read pinned, so
/// retention may delete the segment meanwhile without invalidating them. <see cref="Memory"/> is
/// what the response message carries; when the response frame writes it, it finds this manager
/// (<see cref="ISpliceSource"/>) and reads the ranges straight into the transport pipe's memory,
/// so the bytes are copied once, file → socket buffer, with no managed buffer in between.
/// <para>
/// Only a caller that asks for a span (a record set small enough to be copied into the frame,
/// tests) makes the bytes materialise in a pooled buffer; in-memory logs (tests) start that way.
/// </para>
/// <para>
/// Lifecycle: created by an <see cref="IReplicaLog"/> read, owned by a <see cref="FetchResult"/>,
/// released (pins dropped, buffer returned) when that result is disposed after the response was
/// written. Dispose is idempotent; the memory must not be touched after it. A file truncated under
/// the ranges (replication truncation, not retention) makes <see cref="ReadAt"/> throw
/// <see cref="IOException"/>: the connection then closes instead of sending a short frame.
/// </para>
/// </summary>
public sealed class FetchedRecords : MemoryManager<byte>, ISpliceSource
{
    private ReadResult? _file;
    private byte[]? _materialised;
    private int _disposed;

    private FetchedRecords(ReadResult? file, byte[]? materialised, int length)
    {
        _file = file;
        _materialised = materialised;
        Length = length;
    }

    /// <summary>Takes ownership of <paramref name="read"/> (non-empty) and its pinned file ranges.</summary>
    public static FetchedRecords FromFileRanges(ReadResult read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new FetchedRecords(read, null, read.TotalBytes);
    }

    /// <summary>A copy of <paramref name="bytes"/> in a pooled buffer (in-memory logs and tests).</summary>
    public static FetchedRecords FromBytes(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(buffer);
        return new FetchedRecords(null, buffer, bytes.Length);
    }

    public int Length { get; }

    /// <summary>True while the bytes are still only file ranges (nothing asked for a span).</summary>
    public bool IsFileBacked => _materialised is null && _file is not null;

    /// <summary>
    /// The batches, for the response message; the frame writer reads it through <see cref="ReadAt"/>.
    /// Made from the length alone: the base implementation would ask for the span and materialise.
    /// </summary>
    public override Memory<byte> Memory => CreateMemory(Length);

    public int ReadAt(long offset, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var count = (int)Math.Min(destination.Length, Length - offset);
        if (count <= 0)
        {
            return 0;
        }
        if (_materialised is { } buffer)
        {
            buffer.AsSpan((int)offset, count).CopyTo(destination);
            return count;
        }
        return ReadFromRanges(_file!, offset, destination[..count]);
    }

    private static int ReadFromRanges(ReadResult file, long offset, Span<byte> destination)
    {
        var skipped = 0L;
        foreach (var range in file.Ranges)
        {
            if (offset >= skipped + range.Length)
            {
                skipped += range.Length;
                continue;
            }
            var within = offset - skipped;
            var take = (int)Math.Min(destination.Length, range.Length - within);
            var read = RandomAccess.Read(range.File.Handle, destination[..take], range.Position + within);
            if (read <= 0)
            {
                throw new IOException($"segment {range.File.Path} ended before position {range.Position + range.Length}: truncated since the fetch read it");
            }
            return read;
        }
        return 0;
    }

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_materialised is null)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, Length));
            var at = 0;
            while (at < Length)
            {
                at += ReadAt(at, buffer.AsSpan(at, Length - at));
            }
            _materialised = buffer;
        }
        return _materialised.AsSpan(0, Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException("fetched records are read, not pinned");

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Interlocked.Exchange(ref _file, null)?.Dispose();
        if (Interlocked.Exchange(ref _materialised, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Releases the pins and the buffer (the owning <see cref="FetchResult"/> calls it).</summary>
    public void Release() => ((IDisposable)this).Dispose();
}
