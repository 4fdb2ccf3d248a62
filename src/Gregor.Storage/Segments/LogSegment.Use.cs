using Gregor.Protocol.Records;

namespace Gregor.Storage.Segments;

/// <summary>
/// The entry points of <see cref="LogSegment"/> that touch its files: each holds a
/// <see cref="SegmentUse"/> scope, so the open-file budget never closes the files under it, and
/// the files are reopened first if the budget had closed them.
/// </summary>
internal sealed partial class LogSegment
{
    /// <summary>Appends whole, validated batches (offsets already assigned) at the end and indexes them. Caller holds the log's write lock.</summary>
    public void Append(ReadOnlySpan<byte> bytes, ReadOnlySpan<ValidatedBatch> batches, int indexIntervalBytes, long nowMs)
    {
        using var use = Use();
        AppendCore(bytes, batches, indexIntervalBytes, nowMs);
    }

    /// <summary>Reads the header of the batch at <paramref name="position"/>, false at or past <paramref name="limit"/>.</summary>
    public bool TryReadHeader(long position, long limit, out RecordBatchHeader header)
    {
        using var use = Use();
        return ReadHeaderCore(position, limit, out header);
    }

    /// <summary>Position and header of the first batch whose last offset is ≥ <paramref name="offset"/> below <paramref name="limit"/>; false when there is none.</summary>
    public bool TryTranslateOffset(long offset, long limit, out long position, out RecordBatchHeader header)
    {
        using var use = Use();
        return TranslateOffsetCore(offset, limit, out position, out header);
    }

    /// <summary>See <see cref="ReadCore"/>.</summary>
    public SegmentRead Read(long offset, int maxBytes, long maxOffsetExclusive, bool minOneBatch)
    {
        using var use = Use();
        return ReadCore(offset, maxBytes, maxOffsetExclusive, minOneBatch);
    }

    /// <summary>
    /// Like <see cref="Read(long, int, long, bool)"/>, and when the range is not empty also pins
    /// the .log file (<paramref name="pinned"/>, released by the caller) so the range stays
    /// readable after the budget or retention closes the segment.
    /// </summary>
    public SegmentRead Read(long offset, int maxBytes, long maxOffsetExclusive, bool minOneBatch, out LogSegmentFile? pinned)
    {
        using var use = Use();
        var file = _file;
        if (!file.TryRetain())
        {
            throw new ObjectDisposedException(LogPath); // disposed under us by retention or truncation
        }
        SegmentRead read;
        try
        {
            read = ReadCore(offset, maxBytes, maxOffsetExclusive, minOneBatch);
        }
        catch
        {
            file.Release();
            throw;
        }
        if (read.Length == 0)
        {
            file.Release();
            pinned = null;
        }
        else
        {
            pinned = file;
        }
        return read;
    }

    /// <summary>See <see cref="FindOffsetByTimestampCore"/>.</summary>
    public (long Offset, long Timestamp)? FindOffsetByTimestamp(long timestamp, long startingOffset)
    {
        using var use = Use();
        return FindOffsetByTimestampCore(timestamp, startingOffset);
    }

    /// <summary>See <see cref="RecoverCore"/>.</summary>
    public int Recover(int indexIntervalBytes, out string? problem)
    {
        using var use = Use();
        return RecoverCore(indexIntervalBytes, out problem);
    }

    /// <summary>See <see cref="TruncateToCore"/>.</summary>
    public int TruncateTo(long offset)
    {
        using var use = Use();
        return TruncateToCore(offset);
    }

    /// <summary>The .log file's length on disk (may exceed <see cref="Size"/> before recovery).</summary>
    public long FileLength()
    {
        using var use = Use();
        return RandomAccess.GetLength(_file.Handle);
    }

    /// <summary>Reads bytes at <paramref name="position"/> of the .log; returns the count read.</summary>
    public int ReadBytes(Span<byte> destination, long position)
    {
        using var use = Use();
        return RandomAccess.Read(_file.Handle, destination, position);
    }
}
