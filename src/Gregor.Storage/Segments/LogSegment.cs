using System.Buffers;
using System.Buffers.Binary;
using Gregor.Protocol;
using Gregor.Protocol.Records;

namespace Gregor.Storage.Segments;

/// <summary>
/// One segment of a partition log: the &lt;base&gt;.log file of record batches exactly as
/// received (v2 batches back to back, each 12 + batchLength bytes, offsets rising), with its
/// sparse <see cref="OffsetIndex"/> and <see cref="TimeIndex"/>.
/// <para>Example: 00000000000000000000.log holding two batches, offsets 0..9 (1,061 bytes) and
/// 10..14 (540 bytes): bytes 0..1060 are the first batch (baseOffset 0, lastOffsetDelta 9),
/// 1061..1600 the second (baseOffset 10, lastOffsetDelta 4); NextOffset = 15, Size = 1601.</para>
/// Invariants: batches are whole and CRC-valid up to <see cref="Size"/> (appends validate,
/// recovery cuts the rest); offsets strictly rise across batches; positions fit in int32.
/// Lifecycle: created or opened by the log, appended to while active, then read-only until
/// deleted, truncated or replaced by compaction. Thread-safety: one writer at a time (the log's
/// lock); readers run concurrently and see only bytes below the size they captured.
/// <para>Open files: every operation holds a <see cref="SegmentUse"/> from <see cref="Use"/>
/// (a lock-free user count; <c>using var use = Use();</c>). The shared <see cref="SegmentFileBudget"/> may close the files of an
/// idle segment (no user, not <see cref="KeepOpen"/>); the next use reopens them under the
/// segment's lock. A .log file pinned by a <see cref="ReadResult"/> stays open (refcounted) until
/// the result is disposed, even after the segment closed its own reference.</para>
/// </summary>
internal sealed partial class LogSegment : IDisposable
{
    private const int HeaderProbeSize = RecordBatchHeader.Size;

    private const int ClosedState = -1;
    private const int DisposedState = int.MinValue / 2;
    private const int FilesPerSegment = 3;

    private readonly string _directory;
    private readonly SegmentFileBudget? _budget;
    private readonly Lock _gate = new();
    private LogSegmentFile _file;
    private string _logPath;
    private int _users = 1; // ≥ 0: files open, that many operations in flight; ClosedState; DisposedState
    private long _lastUsed;
    private volatile bool _keepOpen;
    private volatile int _size;
    private long _nextOffset;
    private long _maxTimestamp = -1;
    private long _offsetOfMaxTimestamp;
    private int _bytesSinceLastIndexEntry;
    private bool _disposed;

    private LogSegment(string directory, long baseOffset, LogSegmentFile file, int size, int maxIndexBytes, long createdMs, SegmentFileBudget? budget, string indexSuffix = "")
    {
        _directory = directory;
        _budget = budget;
        BaseOffset = baseOffset;
        _file = file;
        _logPath = file.Path;
        _size = size;
        _nextOffset = baseOffset;
        _offsetOfMaxTimestamp = baseOffset;
        CreatedMs = createdMs;
        OffsetIndex = new OffsetIndex(SegmentFileNames.PathOf(directory, baseOffset, SegmentFileNames.IndexSuffix) + indexSuffix, baseOffset, maxIndexBytes);
        TimeIndex = new TimeIndex(SegmentFileNames.PathOf(directory, baseOffset, SegmentFileNames.TimeIndexSuffix) + indexSuffix, baseOffset, maxIndexBytes);
        _lastUsed = SegmentFileBudget.Now();
        // Born in use (_users = 1) so the budget cannot close it before its factory finished.
        budget?.Register(this);
        budget?.FilesOpened(FilesPerSegment);
    }

    /// <summary>Never closed by the budget while set: the log keeps its active segment open.</summary>
    public bool KeepOpen
    {
        get => _keepOpen;
        set => _keepOpen = value;
    }

    /// <summary>True while the segment holds its files open.</summary>
    public bool IsOpen => Volatile.Read(ref _users) >= 0;

    /// <summary>Recency stamp of the last use, for the budget's LRU order.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>Marks an operation in flight, reopening the files if the budget closed them. Throws ObjectDisposedException once disposed.</summary>
    public void BeginUse()
    {
        while (true)
        {
            var users = Volatile.Read(ref _users);
            if (users >= 0)
            {
                if (Interlocked.CompareExchange(ref _users, users + 1, users) == users)
                {
                    if (_budget is not null)
                    {
                        Volatile.Write(ref _lastUsed, SegmentFileBudget.Now());
                    }
                    return;
                }
            }
            else if (TryReopen())
            {
                return;
            }
        }
    }

    public void EndUse() => Interlocked.Decrement(ref _users);

    /// <summary><see cref="BeginUse"/> as a scope whose Dispose is <see cref="EndUse"/>.</summary>
    public SegmentUse Use()
    {
        BeginUse();
        return new SegmentUse(this);
    }

    private bool TryReopen()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Volatile.Read(ref _users) != ClosedState)
            {
                return false; // reopened meanwhile: take a use the ordinary way
            }
            var handle = System.IO.File.OpenHandle(_logPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            try
            {
                OffsetIndex.ReopenHandle();
                TimeIndex.ReopenHandle();
            }
            catch
            {
                handle.Dispose();
                OffsetIndex.CloseHandle();
                TimeIndex.CloseHandle();
                throw;
            }
            _file = new LogSegmentFile(handle, _logPath, _budget);
            Volatile.Write(ref _lastUsed, SegmentFileBudget.Now());
            Volatile.Write(ref _users, 1);
        }
        _budget?.FilesOpened(FilesPerSegment); // outside the gate: it may evict other segments
        return true;
    }

    /// <summary>Closes the files if no operation is in flight and the segment is not kept open (called by the budget).</summary>
    public void TryCloseIdle()
    {
        lock (_gate)
        {
            if (_disposed || _keepOpen || Interlocked.CompareExchange(ref _users, ClosedState, 0) != 0)
            {
                return;
            }
            CloseFiles();
        }
    }

    private void CloseFiles()
    {
        _file.Release();
        if (OffsetIndex.CloseHandle())
        {
            _budget?.FileClosed();
        }
        if (TimeIndex.CloseHandle())
        {
            _budget?.FileClosed();
        }
    }

    /// <summary>
    /// Opens a compaction output &lt;base&gt;.log.swap as a segment whose indexes are built as
    /// &lt;base&gt;.index.swap / .timeindex.swap, so it can be validated and indexed while the
    /// original still serves; <see cref="CompleteSwap"/> renames it into place.
    /// </summary>
    public static LogSegment OpenSwap(string directory, long baseOffset, string swapLogPath, int maxIndexBytes, long nowMs, SegmentFileBudget? budget = null)
    {
        foreach (var suffix in new[] { SegmentFileNames.IndexSuffix, SegmentFileNames.TimeIndexSuffix })
        {
            System.IO.File.Delete(SegmentFileNames.PathOf(directory, baseOffset, suffix) + SegmentFileNames.SwapSuffix);
        }
        var handle = System.IO.File.OpenHandle(swapLogPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        var segment = new LogSegment(directory, baseOffset, new LogSegmentFile(handle, swapLogPath, budget), (int)Math.Min(length, int.MaxValue), maxIndexBytes, nowMs, budget, SegmentFileNames.SwapSuffix);
        segment.EndUse();
        return segment;
    }

    /// <summary>Renames a segment opened by <see cref="OpenSwap"/> to its final names (indexes first, the .log last). Open handles stay valid.</summary>
    public void CompleteSwap()
    {
        OffsetIndex.Rename(SegmentFileNames.PathOf(_directory, BaseOffset, SegmentFileNames.IndexSuffix));
        TimeIndex.Rename(SegmentFileNames.PathOf(_directory, BaseOffset, SegmentFileNames.TimeIndexSuffix));
        lock (_gate)
        {
            System.IO.File.Move(_logPath, LogPath, overwrite: true);
            _logPath = LogPath;
        }
    }

    /// <summary>Deletes a swap segment that could not be swapped in.</summary>
    public void DiscardSwap()
    {
        Dispose();
        System.IO.File.Delete(_logPath);
        System.IO.File.Delete(OffsetIndex.Path);
        System.IO.File.Delete(TimeIndex.Path);
    }

    public long BaseOffset { get; }

    public int Size => _size;

    /// <summary>Offset after the last batch (the base offset when empty).</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    public long MaxTimestamp => Volatile.Read(ref _maxTimestamp);

    public long OffsetOfMaxTimestamp => _offsetOfMaxTimestamp;

    /// <summary>
    /// When the segment got its first batch, or was reopened after a restart (wall clock), for
    /// segment.ms: a segment carried over a restart may live up to segment.ms longer, never less.
    /// </summary>
    public long CreatedMs { get; private set; }

    public OffsetIndex OffsetIndex { get; }

    public TimeIndex TimeIndex { get; }


    public string LogPath => SegmentFileNames.PathOf(_directory, BaseOffset, SegmentFileNames.LogSuffix);

    /// <summary>Creates a new empty segment (truncating leftovers of the same name).</summary>
    public static LogSegment Create(string directory, long baseOffset, int maxIndexBytes, long nowMs, SegmentFileBudget? budget = null)
    {
        foreach (var suffix in new[] { SegmentFileNames.IndexSuffix, SegmentFileNames.TimeIndexSuffix })
        {
            System.IO.File.Delete(SegmentFileNames.PathOf(directory, baseOffset, suffix));
        }
        var path = SegmentFileNames.PathOf(directory, baseOffset, SegmentFileNames.LogSuffix);
        var handle = System.IO.File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        // A new segment is a log's active one: kept open until it stops being active.
        var segment = new LogSegment(directory, baseOffset, new LogSegmentFile(handle, path, budget), 0, maxIndexBytes, nowMs, budget) { KeepOpen = true };
        segment.EndUse();
        return segment;
    }

    /// <summary>
    /// Opens an existing segment trusting its contents (clean shutdown or below the recovery
    /// point): size from the file, tail state from the last index entry onwards. Indexes that
    /// fail the sanity check are rebuilt by a full scan.
    /// </summary>
    public static LogSegment Open(string directory, long baseOffset, int maxIndexBytes, int indexIntervalBytes, long nowMs, SegmentFileBudget? budget = null)
    {
        var path = SegmentFileNames.PathOf(directory, baseOffset, SegmentFileNames.LogSuffix);
        var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue)
        {
            handle.Dispose();
            throw new StorageException($"segment {path} is {length} bytes, more than a segment may hold");
        }
        var segment = new LogSegment(directory, baseOffset, new LogSegmentFile(handle, path, budget), (int)length, maxIndexBytes, nowMs, budget);
        try
        {
            segment.LoadOrRecover(length, indexIntervalBytes);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
        segment.EndUse();
        return segment;
    }

    private void LoadOrRecover(long length, int indexIntervalBytes)
    {
        var segment = this;
        var indexMissing = segment.OffsetIndex.Entries == 0 && length > Math.Max(indexIntervalBytes, 0) + (64 * 1024);
        if (indexMissing || !segment.OffsetIndex.IsSane(length) || !segment.TimeIndex.IsSane())
        {
            segment.RecoverCore(indexIntervalBytes, out _);
        }
        else
        {
            segment.LoadTailState();
        }
    }

    /// <summary>Reads the tail after the last index entry to restore NextOffset and the max timestamp.</summary>
    private void LoadTailState()
    {
        var (indexOffset, position) = OffsetIndex.Lookup(long.MaxValue);
        _nextOffset = OffsetIndex.Entries == 0 ? BaseOffset : indexOffset + 1;
        _maxTimestamp = TimeIndex.LastTimestamp;
        _offsetOfMaxTimestamp = TimeIndex.LastOffset;
        long p = position;
        var size = _size;
        while (ReadHeaderCore(p, size, out var header))
        {
            _nextOffset = header.LastOffset + 1;
            if (header.MaxTimestamp > _maxTimestamp)
            {
                _maxTimestamp = header.MaxTimestamp;
                _offsetOfMaxTimestamp = header.LastOffset;
            }
            p += header.TotalSize;
        }
        _bytesSinceLastIndexEntry = (int)(size - position);
    }

    /// <summary>
    /// Appends whole, validated batches (offsets already assigned) at the end and indexes them
    /// from their validated headers (<paramref name="batches"/> describe <paramref name="bytes"/>
    /// back to back). Caller holds the log's write lock.
    /// </summary>
    private void AppendCore(ReadOnlySpan<byte> bytes, ReadOnlySpan<ValidatedBatch> batches, int indexIntervalBytes, long nowMs)
    {
        var start = _size;
        if ((long)start + bytes.Length > int.MaxValue)
        {
            throw new StorageException($"segment {LogPath} would pass 2 GiB");
        }
        if (start == 0)
        {
            CreatedMs = nowMs;
        }
        RandomAccess.Write(_file.Handle, bytes, start);
        var at = 0;
        foreach (ref readonly var batch in batches)
        {
            if (_bytesSinceLastIndexEntry > indexIntervalBytes)
            {
                OffsetIndex.Append(batch.LastOffset, start + at);
                TimeIndex.MaybeAppend(_maxTimestamp, _offsetOfMaxTimestamp);
                _bytesSinceLastIndexEntry = 0;
            }
            if (batch.MaxTimestamp > _maxTimestamp)
            {
                _maxTimestamp = batch.MaxTimestamp;
                _offsetOfMaxTimestamp = batch.LastOffset;
            }
            _bytesSinceLastIndexEntry += batch.Size;
            Volatile.Write(ref _nextOffset, batch.LastOffset + 1);
            at += batch.Size;
        }
        _size = start + bytes.Length;
    }

    /// <summary>Reads the header of the batch at <paramref name="position"/>, false at or past <paramref name="limit"/>.</summary>
    private bool ReadHeaderCore(long position, long limit, out RecordBatchHeader header)
    {
        header = default;
        if (limit - position < HeaderProbeSize)
        {
            return false;
        }
        Span<byte> probe = stackalloc byte[HeaderProbeSize];
        if (RandomAccess.Read(_file.Handle, probe, position) < HeaderProbeSize)
        {
            return false;
        }
        try
        {
            return RecordBatchHeader.TryRead(probe, out header) && position + header.TotalSize <= limit;
        }
        catch (ProtocolException)
        {
            return false;
        }
    }

    /// <summary>
    /// Position and header of the first batch whose last offset is ≥ <paramref name="offset"/>,
    /// looking below <paramref name="limit"/> bytes; false when there is none.
    /// </summary>
    private bool TranslateOffsetCore(long offset, long limit, out long position, out RecordBatchHeader header)
    {
        var (_, start) = OffsetIndex.Lookup(offset);
        position = start;
        while (ReadHeaderCore(position, limit, out header))
        {
            if (header.LastOffset >= offset)
            {
                return true;
            }
            position += header.TotalSize;
        }
        return false;
    }

    /// <summary>
    /// The byte range of whole batches starting at the batch holding <paramref name="offset"/>:
    /// batches whose last offset is below <paramref name="maxOffsetExclusive"/>, at most
    /// <paramref name="maxBytes"/> except that the first batch is whole when
    /// <paramref name="minOneBatch"/> (KIP-74). Length 0 when nothing qualifies.
    /// </summary>
    private SegmentRead ReadCore(long offset, int maxBytes, long maxOffsetExclusive, bool minOneBatch)
    {
        var limit = _size;
        if (!TranslateOffsetCore(offset, limit, out var start, out var first))
        {
            return new SegmentRead(start, 0, -1, offset, Exhausted: true);
        }
        if (first.LastOffset >= maxOffsetExclusive)
        {
            return new SegmentRead(start, 0, -1, offset, Exhausted: false);
        }
        if (first.TotalSize > maxBytes)
        {
            return minOneBatch
                ? new SegmentRead(start, first.TotalSize, first.BaseOffset, first.LastOffset + 1, Exhausted: false)
                : new SegmentRead(start, 0, -1, offset, Exhausted: false);
        }
        var end = start + first.TotalSize;
        var next = first.LastOffset + 1;
        var budgetEnd = start + maxBytes;
        // Jump with the index towards the byte budget instead of reading every header.
        var jump = FloorEntryByPosition(budgetEnd);
        if (jump.Position > end && jump.Offset < maxOffsetExclusive && ReadHeaderCore(jump.Position, limit, out var atJump)
            && atJump.LastOffset == jump.Offset && jump.Position + atJump.TotalSize <= budgetEnd)
        {
            end = jump.Position + atJump.TotalSize;
            next = atJump.LastOffset + 1;
        }
        while (ReadHeaderCore(end, limit, out var header) && header.LastOffset < maxOffsetExclusive && end + header.TotalSize <= budgetEnd)
        {
            end += header.TotalSize;
            next = header.LastOffset + 1;
        }
        return new SegmentRead(start, (int)(end - start), first.BaseOffset, next, Exhausted: false);
    }

    private (long Offset, long Position) FloorEntryByPosition(long position)
    {
        int lo = 0, hi = OffsetIndex.Entries - 1;
        (long Offset, long Position) found = (-1, -1);
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var entry = OffsetIndex.EntryAt(mid);
            if (entry.Position <= position)
            {
                found = entry;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    /// <summary>
    /// First batch at or after <paramref name="startingOffset"/> whose max timestamp is ≥
    /// <paramref name="timestamp"/>: its first record with such a timestamp (uncompressed
    /// batches) or the batch's base offset and max timestamp (compressed batches).
    /// </summary>
    private (long Offset, long Timestamp)? FindOffsetByTimestampCore(long timestamp, long startingOffset)
    {
        var (_, indexedOffset) = TimeIndex.Lookup(timestamp);
        var (_, position) = OffsetIndex.Lookup(Math.Max(indexedOffset, startingOffset));
        long p = position;
        var limit = _size;
        while (ReadHeaderCore(p, limit, out var header))
        {
            if (header.MaxTimestamp >= timestamp && header.LastOffset >= startingOffset)
            {
                return ExactTimestampMatch(p, header, timestamp, startingOffset);
            }
            p += header.TotalSize;
        }
        return null;
    }

    private (long Offset, long Timestamp) ExactTimestampMatch(long position, RecordBatchHeader header, long timestamp, long startingOffset)
    {
        var fallback = (Math.Max(header.BaseOffset, startingOffset), header.MaxTimestamp);
        if (header.Compression != CompressionType.None || header.IsLogAppendTime || header.TotalSize > 64 << 20)
        {
            return fallback;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
        try
        {
            var batch = buffer.AsSpan(0, header.TotalSize);
            if (RandomAccess.Read(_file.Handle, batch, position) != batch.Length)
            {
                return fallback;
            }
            foreach (var record in new RecordWalker(batch))
            {
                var offset = header.BaseOffset + record.OffsetDelta;
                var ts = header.BaseTimestamp + record.TimestampDelta;
                if (ts >= timestamp && offset >= startingOffset)
                {
                    return (offset, ts);
                }
            }
        }
        catch (ProtocolException)
        {
            // Malformed records inside a CRC-valid batch: fall back to the batch bounds.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return fallback;
    }

    /// <summary>
    /// Validates every batch from the start (length, magic, CRC, rising offsets), rebuilds both
    /// indexes, and cuts the file after the last valid batch. Returns the valid size.
    /// </summary>
    private int RecoverCore(int indexIntervalBytes, out string? problem)
    {
        OffsetIndex.Reset();
        TimeIndex.Reset();
        _nextOffset = BaseOffset;
        _maxTimestamp = -1;
        _offsetOfMaxTimestamp = BaseOffset;
        _bytesSinceLastIndexEntry = 0;
        problem = null;
        var length = RandomAccess.GetLength(_file.Handle);
        var scanner = new SegmentScanner(_file.Handle, length);
        try
        {
            long valid = 0;
            var expectedMin = BaseOffset;
            while (true)
            {
                var status = scanner.Next(out var header);
                if (status == SegmentScanner.Status.End)
                {
                    break;
                }
                if (status != SegmentScanner.Status.Batch)
                {
                    problem = $"{status} at position {scanner.Position}";
                    break;
                }
                if (header.BaseOffset < expectedMin || header.LastOffsetDelta < 0)
                {
                    problem = $"batch at position {scanner.Position} has offset {header.BaseOffset}, expected at least {expectedMin}";
                    break;
                }
                if (header.LastOffset - BaseOffset > int.MaxValue)
                {
                    problem = $"batch at position {scanner.Position} has offset {header.LastOffset}, beyond what segment {BaseOffset} can index";
                    break;
                }
                if (_bytesSinceLastIndexEntry > indexIntervalBytes && !OffsetIndex.IsFull)
                {
                    OffsetIndex.Append(header.LastOffset, (int)scanner.Position);
                    TimeIndex.MaybeAppend(_maxTimestamp, _offsetOfMaxTimestamp);
                    _bytesSinceLastIndexEntry = 0;
                }
                if (header.MaxTimestamp > _maxTimestamp)
                {
                    _maxTimestamp = header.MaxTimestamp;
                    _offsetOfMaxTimestamp = header.LastOffset;
                }
                _bytesSinceLastIndexEntry += header.TotalSize;
                _nextOffset = header.LastOffset + 1;
                expectedMin = header.LastOffset + 1;
                valid = scanner.Position + header.TotalSize;
                scanner.Advance(header.TotalSize);
            }
            if (valid < length)
            {
                problem ??= "trailing bytes";
                RandomAccess.SetLength(_file.Handle, valid);
            }
            _size = (int)valid;
            return (int)valid;
        }
        finally
        {
            scanner.Dispose();
        }
    }

    /// <summary>
    /// Removes every batch whose last offset is ≥ <paramref name="offset"/> (a batch holding the
    /// offset goes whole). Returns the bytes removed.
    /// </summary>
    private int TruncateToCore(long offset)
    {
        var size = _size;
        if (offset <= BaseOffset)
        {
            RandomAccess.SetLength(_file.Handle, 0);
            OffsetIndex.Reset();
            TimeIndex.Reset();
            _size = 0;
            _nextOffset = BaseOffset;
            _maxTimestamp = -1;
            _offsetOfMaxTimestamp = BaseOffset;
            _bytesSinceLastIndexEntry = 0;
            return size;
        }
        if (!TranslateOffsetCore(offset, size, out var position, out _))
        {
            return 0;
        }
        OffsetIndex.TruncateTo(offset);
        TimeIndex.TruncateTo(offset);
        RandomAccess.SetLength(_file.Handle, position);
        _size = (int)position;
        LoadTailState();
        return (int)(size - position);
    }

    /// <summary>Records the final time index entry; called when the segment stops being active (the budget may close it from now on).</summary>
    public void OnBecomeInactive()
    {
        using (Use())
        {
            if (_maxTimestamp >= 0)
            {
                TimeIndex.MaybeAppend(_maxTimestamp, _offsetOfMaxTimestamp);
            }
        }
        KeepOpen = false;
    }

    /// <summary>fsyncs the .log only (group commit: the indexes are rebuilt by recovery above the recovery point).</summary>
    public void FlushData()
    {
        using var use = Use();
        RandomAccess.FlushToDisk(_file.Handle);
    }

    /// <summary>fsyncs the .log and both indexes (reopening them if closed: fsync covers the file's dirty pages whichever handle wrote them).</summary>
    public void Flush()
    {
        using var use = Use();
        RandomAccess.FlushToDisk(_file.Handle);
        OffsetIndex.Flush();
        TimeIndex.Flush();
    }

    /// <summary>Renames the segment's files to *.deleted and closes them (open reads keep working).</summary>
    public void MarkDeleted()
    {
        Dispose();
        foreach (var suffix in new[] { SegmentFileNames.LogSuffix, SegmentFileNames.IndexSuffix, SegmentFileNames.TimeIndexSuffix })
        {
            var path = SegmentFileNames.PathOf(_directory, BaseOffset, suffix);
            if (System.IO.File.Exists(path))
            {
                System.IO.File.Move(path, path + SegmentFileNames.DeletedSuffix, overwrite: true);
            }
        }
    }

    /// <summary>Closes the files now, even under operations in flight (they fail with ObjectDisposedException and the log retries); pinned .log files stay open until released.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (Interlocked.Exchange(ref _users, DisposedState) >= 0)
            {
                CloseFiles();
            }
            OffsetIndex.Dispose();
            TimeIndex.Dispose();
        }
        _budget?.Unregister(this);
    }

    internal static long ReadBaseOffset(ReadOnlySpan<byte> batch) => BinaryPrimitives.ReadInt64BigEndian(batch);
}

/// <summary>
/// What <see cref="LogSegment.Read(long, int, long, bool)"/> found: a byte range of whole batches, or nothing. Exhausted
/// means the segment holds no batch at or after the offset, so a read continues in the next one.
/// </summary>
internal readonly record struct SegmentRead(long Position, int Length, long FirstOffset, long NextOffset, bool Exhausted);
