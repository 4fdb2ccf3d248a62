using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Gregor.Protocol;
using Gregor.Protocol.Records;
using Gregor.Storage.Checkpoints;
using Gregor.Storage.Producers;
using Gregor.Storage.Segments;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Storage;

/// <summary>
/// The log of one partition: an ordered list of <see cref="LogSegment"/>s in
/// &lt;data-dir&gt;/&lt;topic&gt;-&lt;partition&gt;/, the last one active. Appends validate and stamp
/// record batches and write them as received; reads return file ranges; open recovers.
/// <para>Directory example:
/// <code>
/// orders-0/00000000000000000000.log        batches at offsets 0..368768
/// orders-0/00000000000000000000.index      offset → position, one entry per 4 KiB
/// orders-0/00000000000000000000.timeindex  timestamp → offset
/// orders-0/00000000000000368769.log        the active segment
/// orders-0/00000000000000368769.snapshot   producer state as of offset 368769 (taken at roll)
/// orders-0/leader-epoch-checkpoint         epoch → start offset
/// orders-0/.gregor_cleanshutdown           present only between a clean close and the next open
/// </code></para>
/// Thread-safety: appends, truncation, roll, retention and segment swaps take one lock per log
/// (single writer); reads take no lock: they work on the segment array and the sizes they
/// captured at the start, and pin the files they return through <see cref="ReadResult"/>.
/// </summary>
public sealed partial class PartitionLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProducerStateManager _producers = new();
    private readonly LeaderEpochCache _epochs;
    private readonly SegmentFileBudget _budget;
    private volatile LogSegment[] _segments;
    private volatile LogConfig _config;
    private GroupCommitter? _committer;
    private long _logStartOffset;
    private long _logEndOffset;
    private long _recoveryPoint;
    private long _durableOffset;
    private long _unflushedMessages;
    private long _lastFlushMs;
    private bool _directoryDirty;
    private volatile bool _closed;

    private PartitionLog(string directory, TopicPartition tp, LogConfig config, TimeProvider time, ILogger logger,
        LogLoader.Loaded loaded, SegmentFileBudget budget)
    {
        _budget = budget;
        Directory = directory;
        TopicPartition = tp;
        _config = config;
        _time = time;
        _logger = logger;
        _segments = [.. loaded.Segments];
        // The active segment stays open; the budget may have closed it while the log loaded.
        _segments[^1].KeepOpen = true;
        _segments[^1].BeginUse();
        _segments[^1].EndUse();
        _logStartOffset = loaded.LogStartOffset;
        _logEndOffset = _segments[^1].NextOffset;
        _recoveryPoint = _logEndOffset;
        _durableOffset = _logEndOffset;
        _lastFlushMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        _epochs = new LeaderEpochCache(directory);
        _epochs.TruncateFromEnd(_logEndOffset);
        _epochs.TruncateFromStart(_logStartOffset);
        WasCleanShutdown = loaded.WasClean;
        RecoveryTruncatedBytes = loaded.TruncatedBytes;
        RebuildProducerState();
        if (config.FlushMode == FlushMode.GroupCommit)
        {
            _committer = NewCommitter();
        }
    }

    /// <summary>
    /// Opens (creating if needed) the log in <paramref name="partitionDirectory"/>, recovering
    /// it if the previous process did not close it cleanly.
    /// </summary>
    public static PartitionLog Open(string partitionDirectory, TopicPartition tp, LogConfig config, TimeProvider? time = null, ILogger? logger = null) =>
        Open(partitionDirectory, tp, config, time, logger, recoveryPoint: 0, logStartOffset: 0, budget: null);

    // budget: the open-file budget shared with other logs (a LogManager's), or null for one of its own sized by LogConfig.MaxOpenSegmentFiles.
    internal static PartitionLog Open(string partitionDirectory, TopicPartition tp, LogConfig config, TimeProvider? time, ILogger? logger,
        long recoveryPoint, long logStartOffset, SegmentFileBudget? budget)
    {
        ArgumentNullException.ThrowIfNull(config);
        budget ??= new SegmentFileBudget(config.MaxOpenSegmentFiles);
        time ??= TimeProvider.System;
        logger ??= NullLogger.Instance;
        var watch = Stopwatch.StartNew();
        var loaded = LogLoader.Load(partitionDirectory, tp, config, recoveryPoint, logStartOffset, time.GetUtcNow().ToUnixTimeMilliseconds(), logger, budget);
        var log = new PartitionLog(partitionDirectory, tp, config, time, logger, loaded, budget);
        StorageLog.Opened(logger, tp, watch.ElapsedMilliseconds, loaded.Segments.Count, log.LogStartOffset, log.LogEndOffset, loaded.WasClean);
        return log;
    }

    public string Directory { get; }

    public TopicPartition TopicPartition { get; }

    public LogConfig Config => _config;

    /// <summary>True when this open found the clean-shutdown marker (no recovery scan was needed).</summary>
    public bool WasCleanShutdown { get; }

    /// <summary>Bytes of a torn or corrupt tail that recovery cut off when the log was opened (0 after a clean shutdown).</summary>
    public long RecoveryTruncatedBytes { get; }

    public long LogStartOffset => Interlocked.Read(ref _logStartOffset);

    /// <summary>The offset the next appended record gets.</summary>
    public long LogEndOffset => Interlocked.Read(ref _logEndOffset);

    /// <summary>Everything below this offset, indexes included, has been fsynced; recovery starts here.</summary>
    public long RecoveryPoint => Interlocked.Read(ref _recoveryPoint);

    /// <summary>Record bytes below this offset have been fsynced (group commit advances it with one fsync of the .log only).</summary>
    public long DurableOffset => Math.Max(Interlocked.Read(ref _durableOffset), RecoveryPoint);

    /// <summary>Bytes in all segments.</summary>
    public long Size => _segments.Sum(s => (long)s.Size);

    public int SegmentCount => _segments.Length;

    /// <summary>Segment files open under this log's open-file budget (shared with the other logs of its <see cref="LogManager"/>).</summary>
    public int OpenSegmentFiles => _budget.OpenFiles;

    /// <summary>Segments of this log whose files are open now.</summary>
    public int OpenSegmentCount => _segments.Count(s => s.IsOpen);

    /// <summary>Base offsets of the segments, oldest first.</summary>
    public IReadOnlyList<long> SegmentBaseOffsets => [.. _segments.Select(s => s.BaseOffset)];

    /// <summary>The latest leader epoch written, or -1.</summary>
    public int LatestEpoch => _epochs.LatestEpoch;

    /// <summary>Leader epoch history (epoch, start offset), oldest first.</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> LeaderEpochs => _epochs.Entries;

    /// <summary>OffsetForLeaderEpoch: the largest epoch ≤ <paramref name="epoch"/> and where it ended; (-1, -1) if unknown.</summary>
    public (int Epoch, long EndOffset) EndOffsetForEpoch(int epoch) => _epochs.EndOffsetFor(epoch, LogEndOffset);

    /// <summary>Producers with state in this log, for DescribeProducers.</summary>
    public IReadOnlyCollection<ProducerStateEntry> ActiveProducers
    {
        get
        {
            lock (_lock)
            {
                return _producers.Snapshot();
            }
        }
    }

    /// <summary>Start offset of the oldest open transaction, or null (the caller's last stable offset is min(this, high watermark)).</summary>
    public long? FirstUnstableOffset
    {
        get
        {
            lock (_lock)
            {
                return _producers.FirstUnstableOffset;
            }
        }
    }

    /// <summary>Number of fsyncs the group committer has done (0 in other modes).</summary>
    public long GroupCommitFlushes => _committer?.Flushes ?? 0;

    public void UpdateConfig(LogConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        GroupCommitter? old = null;
        lock (_lock)
        {
            _config = config;
            if (config.FlushMode == FlushMode.GroupCommit && _committer is null && !_closed)
            {
                _committer = NewCommitter();
            }
            else if (config.FlushMode != FlushMode.GroupCommit && _committer is not null)
            {
                old = _committer;
                _committer = null;
            }
        }
        if (old is not null)
        {
            old.Dispose();
            Flush();
            old.CompletePending(null);
        }
    }

    private GroupCommitter NewCommitter() => new(_lock, () => _logEndOffset, FlushDataUpTo);

    /// <summary>
    /// Group commit's fsync: only the .log files holding offsets in [durable offset, <paramref name="offset"/>)
    /// and the directory if segments were created. One fsync per commit in the common case; the
    /// recovery point (which also vouches for the indexes) advances on roll, flush.ms and close.
    /// </summary>
    private void FlushDataUpTo(long offset)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        FsyncSegments(DurableOffset, offset, dataOnly: true);
        lock (_lock)
        {
            if (offset > _durableOffset)
            {
                Interlocked.Exchange(ref _durableOffset, Math.Min(offset, _logEndOffset));
            }
        }
        StorageMetrics.Fsyncs.Add(1, new KeyValuePair<string, object?>("kind", "group-commit"));
        StorageMetrics.GroupCommitDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// fsyncs the segments holding offsets in [<paramref name="from"/>, <paramref name="upTo"/>),
    /// only their .log files when <paramref name="dataOnly"/> (group commit) or with their indexes
    /// (flush), then the directory if segments were created or deleted since the last sync.
    /// </summary>
    private void FsyncSegments(long from, long upTo, bool dataOnly)
    {
        foreach (var segment in _segments)
        {
            if (segment.NextOffset > from && segment.BaseOffset < upTo)
            {
                try
                {
                    if (dataOnly)
                    {
                        segment.FlushData();
                    }
                    else
                    {
                        segment.Flush();
                    }
                }
                catch (ObjectDisposedException)
                {
                    // Deleted or replaced meanwhile: nothing left to make durable.
                }
            }
        }
        if (Volatile.Read(ref _directoryDirty))
        {
            Volatile.Write(ref _directoryDirty, false);
            DirectorySync.Fsync(Directory);
        }
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // ---------------------------------------------------------------- append

    /// <summary>
    /// Appends the batches in <paramref name="records"/> as leader: validates each (one
    /// <see cref="RecordBatchValidator"/> pass per batch: length, magic, CRC32C, counts,
    /// max.message.bytes), then appends them as <see cref="AppendAsLeaderAsync(ReadOnlyMemory{byte}, ValidatedBatch, int, CancellationToken)"/> does.
    /// For callers holding several batches (coordinators, tools, tests); the broker's produce path
    /// validates its one batch itself and calls the other overload.
    /// </summary>
    public ValueTask<AppendResult> AppendAsLeaderAsync(ReadOnlyMemory<byte> records, int leaderEpoch, CancellationToken ct = default) =>
        AppendUnvalidated(records, leaderEpoch, asLeader: true, ct);

    /// <summary>
    /// Appends one batch that <see cref="RecordBatchValidator"/> already checked, as leader:
    /// checks idempotent producer state, assigns the offset from the log end (patching baseOffset
    /// and partitionLeaderEpoch in place in the caller's buffer; for LogAppendTime also
    /// maxTimestamp, the timestamp-type bit and the CRC), writes the bytes, indexes them from the
    /// validated header, and completes when durable per the flush policy. A retried idempotent
    /// batch returns its original offsets with Duplicate set. Nothing here parses the header again.
    /// <paramref name="records"/> must be exactly the validated batch.
    /// </summary>
    public ValueTask<AppendResult> AppendAsLeaderAsync(ReadOnlyMemory<byte> records, ValidatedBatch batch, int leaderEpoch, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        if (batch.Size == 0 || batch.Size != records.Length)
        {
            throw new ArgumentException($"the records ({records.Length} bytes) are not the validated batch ({batch.Size} bytes)", nameof(batch));
        }
        Span<ValidatedBatch> one = [batch];
        return Append(records, one, leaderEpoch, asLeader: true, ct);
    }

    /// <summary>
    /// Appends batches replicated from the leader: offsets are already assigned and must start at
    /// the log end; leader epochs come from the batches.
    /// </summary>
    public ValueTask<AppendResult> AppendAsFollowerAsync(ReadOnlyMemory<byte> records, CancellationToken ct = default) =>
        AppendUnvalidated(records, -1, asLeader: false, ct);

    private ValueTask<AppendResult> AppendUnvalidated(ReadOnlyMemory<byte> records, int leaderEpoch, bool asLeader, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var data = records.Span;
        if (data.IsEmpty)
        {
            throw new InvalidRecordException($"{TopicPartition}: append of no records");
        }
        var rules = new RecordBatchRules(asLeader ? _config.MaxMessageBytes : int.MaxValue, asLeader);
        // Every batch is at least a header: the count bounds the rental.
        var rented = System.Buffers.ArrayPool<ValidatedBatch>.Shared.Rent(Math.Max(1, data.Length / RecordBatchHeader.Size));
        try
        {
            var count = 0;
            var at = 0;
            while (at < data.Length)
            {
                var defect = RecordBatchValidator.Validate(data[at..], rules, out rented[count], out var message);
                if (defect != RecordBatchDefect.None)
                {
                    throw defect switch
                    {
                        RecordBatchDefect.CrcMismatch => new CorruptRecordException($"{TopicPartition}: batch at byte {at} of the request: {message}"),
                        RecordBatchDefect.TooLarge => new RecordTooLargeException($"{TopicPartition}: {message}"),
                        _ => new InvalidRecordException($"{TopicPartition}: batch at byte {at} of the request: {message}"),
                    };
                }
                at += rented[count].Size;
                count++;
            }
            return Append(records, rented.AsSpan(0, count), leaderEpoch, asLeader, ct);
        }
        finally
        {
            System.Buffers.ArrayPool<ValidatedBatch>.Shared.Return(rented);
        }
    }

    /// <summary>The append after validation: <paramref name="batches"/> describe <paramref name="records"/> back to back.</summary>
    private ValueTask<AppendResult> Append(ReadOnlyMemory<byte> records, Span<ValidatedBatch> batches, int leaderEpoch, bool asLeader, CancellationToken ct)
    {
        var config = _config;
        if (records.Length > config.SegmentBytes)
        {
            throw new RecordTooLargeException($"{TopicPartition}: {records.Length} bytes do not fit a segment of {config.SegmentBytes} bytes");
        }
        var buffer = MemoryMarshal.AsMemory(records).Span;
        AppendResult result;
        Task? durable = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (asLeader && CheckProducers(batches, out var duplicate))
            {
                StorageMetrics.DuplicateAppends.Add(1);
                return ValueTask.FromResult(duplicate!);
            }
            var now = NowMs;
            long appendTime = -1;
            long recordCount = 0;
            var firstOffset = _logEndOffset;
            var lastOffset = firstOffset - 1;
            var at = 0;
            for (var i = 0; i < batches.Length; i++)
            {
                var batch = batches[i];
                var bytes = buffer.Slice(at, batch.Size);
                if (asLeader)
                {
                    RecordBatchHeader.WriteBaseOffset(bytes, lastOffset + 1);
                    RecordBatchHeader.WritePartitionLeaderEpoch(bytes, leaderEpoch);
                    batch = batch.WithAssignedOffsets(lastOffset + 1, leaderEpoch);
                    if (config.MessageTimestampType == TimestampType.LogAppendTime)
                    {
                        appendTime = now;
                        batch = batch.WithLogAppendTime(now);
                        BinaryPrimitives.WriteInt16BigEndian(bytes[RecordBatchHeader.AttributesOffset..], batch.Header.Attributes);
                        BinaryPrimitives.WriteInt64BigEndian(bytes[RecordBatchHeader.MaxTimestampOffset..], now);
                        RecordBatchHeader.WriteCrc(bytes);
                    }
                    batches[i] = batch;
                    lastOffset += batch.LastOffsetDelta + 1;
                }
                else
                {
                    if (i == 0)
                    {
                        if (batch.BaseOffset < _logEndOffset)
                        {
                            throw new InvalidRecordException(
                                $"{TopicPartition}: follower batch at offset {batch.BaseOffset} is below the log end {_logEndOffset}");
                        }
                        firstOffset = batch.BaseOffset;
                    }
                    else if (batch.BaseOffset <= lastOffset)
                    {
                        throw new InvalidRecordException($"{TopicPartition}: follower batches go backwards at offset {batch.BaseOffset}");
                    }
                    lastOffset = batch.LastOffset;
                }
                recordCount += batch.RecordCount;
                at += batch.Size;
            }
            var written = buffer[..at];
            MaybeRoll(written.Length, firstOffset, lastOffset, now);
            _segments[^1].Append(written, batches, config.IndexIntervalBytes, now);
            foreach (ref readonly var batch in batches)
            {
                _producers.Update(batch.Header);
                _epochs.Assign(batch.Header.PartitionLeaderEpoch, batch.BaseOffset);
            }
            Interlocked.Exchange(ref _logEndOffset, lastOffset + 1);
            _unflushedMessages += recordCount;
            StorageMetrics.AppendedBytes.Add(written.Length);
            StorageMetrics.AppendedRecords.Add(recordCount);
            result = new AppendResult(firstOffset, lastOffset, appendTime, _logStartOffset, false);
            if (config.FlushMode == FlushMode.GroupCommit && _committer is not null)
            {
                durable = _committer.Register();
            }
            else if (_unflushedMessages >= config.FlushMessages)
            {
                FlushUpTo(_logEndOffset);
            }
        }
        return durable is null ? ValueTask.FromResult(result) : AwaitDurable(durable, result, ct);
    }

    private static async ValueTask<AppendResult> AwaitDurable(Task durable, AppendResult result, CancellationToken ct)
    {
        await durable.WaitAsync(ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>Producer checks for a leader append; true with the original offsets for a duplicate.</summary>
    private bool CheckProducers(ReadOnlySpan<ValidatedBatch> batches, out AppendResult? duplicate)
    {
        duplicate = null;
        long pendingId = -1;
        int? pendingSeq = null;
        short? pendingEpoch = null;
        foreach (ref readonly var batch in batches)
        {
            if (!batch.HasProducerId)
            {
                continue;
            }
            var same = batch.ProducerId == pendingId;
            var check = _producers.Validate(batch.Header, same ? pendingSeq : null, same ? pendingEpoch : null);
            if (check.IsDuplicate)
            {
                duplicate = new AppendResult(check.FirstOffset, check.LastOffset, -1, _logStartOffset, true);
                return true;
            }
            pendingId = batch.ProducerId;
            pendingSeq = ProducerStateManager.LastSequenceOf(batch.Header);
            pendingEpoch = batch.ProducerEpoch;
        }
        return false;
    }

    private void MaybeRoll(int incomingBytes, long firstOffset, long lastOffset, long now)
    {
        var active = _segments[^1];
        var config = _config;
        if (active.Size == 0)
        {
            if (active.BaseOffset != firstOffset && active.BaseOffset < firstOffset)
            {
                // An empty active segment whose base is below the next offset (follower gap): re-base it.
                ReplaceEmptyActive(firstOffset, now);
            }
            return;
        }
        if (active.Size + (long)incomingBytes > config.SegmentBytes
            || now - active.CreatedMs >= config.SegmentMs
            || active.OffsetIndex.IsFull || active.TimeIndex.IsFull
            || lastOffset - active.BaseOffset > int.MaxValue)
        {
            Roll(firstOffset, now);
        }
    }

    private void ReplaceEmptyActive(long baseOffset, long now)
    {
        var active = _segments[^1];
        active.Dispose();
        LogLoader.DeleteSegmentFiles(Directory, active.BaseOffset);
        var fresh = LogSegment.Create(Directory, baseOffset, _config.SegmentIndexBytes, now, _budget);
        _segments = [.. _segments[..^1], fresh];
        _directoryDirty = true;
    }

    /// <summary>Starts a new active segment at <paramref name="baseOffset"/>; caller holds the lock.</summary>
    private void Roll(long baseOffset, long now)
    {
        var active = _segments[^1];
        active.OnBecomeInactive();
        _producers.WriteSnapshot(Directory, baseOffset);
        var fresh = LogSegment.Create(Directory, baseOffset, _config.SegmentIndexBytes, now, _budget);
        _segments = [.. _segments, fresh];
        _directoryDirty = true;
        StorageMetrics.SegmentsRolled.Add(1);
        // Kafka flushes the finished segment (and its indexes) in the background on roll.
        _ = Task.Run(() =>
        {
            try
            {
                FlushUpTo(baseOffset);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                StorageLog.BackgroundFailed(_logger, e, "flush on roll", TopicPartition);
            }
        });
    }

    /// <summary>Rolls the active segment now if it is not empty (tests, admin tools).</summary>
    public void Roll()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_segments[^1].Size > 0)
            {
                Roll(_logEndOffset, NowMs);
            }
        }
    }

    // ---------------------------------------------------------------- flush

    /// <summary>fsyncs everything appended so far and advances the recovery point.</summary>
    public void Flush() => FlushUpTo(LogEndOffset);

    /// <summary>fsyncs the segments holding offsets below <paramref name="offset"/> (and the directory if segments were created).</summary>
    internal void FlushUpTo(long offset)
    {
        var recoveryPoint = RecoveryPoint;
        if (offset <= recoveryPoint && !Volatile.Read(ref _directoryDirty))
        {
            return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        FsyncSegments(recoveryPoint, offset, dataOnly: false);
        StorageMetrics.Fsyncs.Add(1, new KeyValuePair<string, object?>("kind", "flush"));
        StorageMetrics.FlushDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        lock (_lock)
        {
            if (offset > _recoveryPoint)
            {
                Interlocked.Exchange(ref _recoveryPoint, Math.Min(offset, _logEndOffset));
                _unflushedMessages = 0;
            }
            _lastFlushMs = NowMs;
        }
    }

    /// <summary>flush.ms: flushes when the oldest unflushed data is older than the setting. Called by the log manager.</summary>
    internal void FlushIfDue(long nowMs)
    {
        var config = _config;
        if (config.FlushMs != long.MaxValue && LogEndOffset > RecoveryPoint && nowMs - _lastFlushMs >= config.FlushMs)
        {
            Flush();
        }
    }

    // ---------------------------------------------------------------- read

    /// <summary>
    /// Reads whole batches from the one holding <paramref name="startOffset"/>: batches whose last
    /// offset is below <paramref name="maxOffsetExclusive"/> (the caller's high watermark or last
    /// stable offset), up to <paramref name="maxBytes"/>, the first batch whole even if larger when
    /// <paramref name="minOneBatch"/>. Throws <see cref="OffsetOutOfRangeException"/> outside
    /// [LogStartOffset, LogEndOffset]. Dispose the result once its ranges are sent.
    /// </summary>
    public ReadResult Read(long startOffset, int maxBytes, long maxOffsetExclusive, bool minOneBatch = true)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (TryReadOnce(startOffset, maxBytes, maxOffsetExclusive, minOneBatch, out var result))
            {
                return result;
            }
            ObjectDisposedException.ThrowIf(_closed, this);
        }
        // Segments keep being deleted or replaced under us: read under the lock that those changes take.
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (TryReadOnce(startOffset, maxBytes, maxOffsetExclusive, minOneBatch, out var result))
            {
                return result;
            }
            throw new StorageException($"{TopicPartition}: segment files closed under a locked read at {startOffset}");
        }
    }

    private bool TryReadOnce(long startOffset, int maxBytes, long maxOffsetExclusive, bool minOneBatch, out ReadResult result)
    {
        var logStart = LogStartOffset;
        var logEnd = LogEndOffset;
        var segments = _segments;
        if (startOffset < logStart || startOffset > logEnd)
        {
            throw new OffsetOutOfRangeException(
                $"{TopicPartition}: offset {startOffset} is outside [{logStart}, {logEnd}]");
        }
        return TryRead(segments, startOffset, maxBytes, Math.Min(maxOffsetExclusive, logEnd), minOneBatch, logStart, logEnd, out result);
    }

    private static bool TryRead(LogSegment[] segments, long startOffset, int maxBytes, long maxOffset, bool minOneBatch,
        long logStart, long logEnd, out ReadResult result)
    {
        var ranges = new List<FileRange>(2);
        var total = 0;
        var offset = startOffset;
        long firstOffset = -1;
        for (var i = FloorSegment(segments, startOffset); i < segments.Length && offset < maxOffset; i++)
        {
            var segment = segments[i];
            // The read pins the .log file it returns a range of, so retention, truncation or the
            // open-file budget cannot close it under the caller.
            SegmentRead read;
            LogSegmentFile? file;
            try
            {
                read = segment.Read(offset, maxBytes - total, maxOffset, minOneBatch && total == 0, out file);
            }
            catch (ObjectDisposedException)
            {
                return Abandon(ranges, out result); // deleted or replaced under us
            }
            var (position, length, first, next, exhausted) = read;
            if (length == 0 || file is null)
            {
                if (!exhausted)
                {
                    break; // the next batch is over the byte budget or the offset bound
                }
                continue;
            }
            ranges.Add(new FileRange(file, position, length));
            if (firstOffset < 0)
            {
                firstOffset = first;
            }
            total += length;
            offset = next;
            if (total >= maxBytes || next < segment.NextOffset)
            {
                break;
            }
        }
        result = new ReadResult([.. ranges], total, firstOffset, logStart, logEnd);
        StorageMetrics.ReadBytes.Add(total);
        return true;
    }

    /// <summary>Releases what a read pinned so far; the caller retries with the new segment list.</summary>
    private static bool Abandon(List<FileRange> ranges, out ReadResult result)
    {
        foreach (var range in ranges)
        {
            range.File.Release();
        }
        result = null!;
        return false;
    }

    /// <summary>Index of the last segment whose base offset is ≤ <paramref name="offset"/> (0 if none).</summary>
    private static int FloorSegment(LogSegment[] segments, long offset)
    {
        int lo = 0, hi = segments.Length - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    /// <summary>ListOffsets by time: the first offset at or after the log start whose timestamp is ≥ <paramref name="timestamp"/>, or null.</summary>
    public (long Offset, long Timestamp)? FindOffsetByTimestamp(long timestamp)
    {
        var logStart = LogStartOffset;
        foreach (var segment in _segments)
        {
            if (segment.MaxTimestamp >= timestamp && segment.NextOffset > logStart)
            {
                var found = segment.FindOffsetByTimestamp(timestamp, logStart);
                if (found is not null)
                {
                    return found;
                }
            }
        }
        return null;
    }

    /// <summary>ListOffsets -3 (KIP-734): the offset and timestamp of the record with the largest timestamp, or null when empty.</summary>
    public (long Offset, long Timestamp)? MaxTimestampOffset()
    {
        (long Offset, long Timestamp)? best = null;
        foreach (var segment in _segments)
        {
            if (segment.MaxTimestamp >= 0 && (best is null || segment.MaxTimestamp > best.Value.Timestamp))
            {
                best = (segment.OffsetOfMaxTimestamp, segment.MaxTimestamp);
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- compaction support

    /// <summary>A stable copy of the segment list (oldest first) for the cleaner.</summary>
    internal LogSegment[] SegmentsSnapshot => _segments;

    /// <summary>
    /// Replaces <paramref name="original"/> by the compacted file at <paramref name="swapPath"/>
    /// (base.log.swap): the original's files become *.deleted, the swap file becomes the segment.
    /// Returns false (and deletes the swap file) when the segment is no longer in the log.
    /// </summary>
    internal bool ReplaceSegment(LogSegment original, string swapPath)
    {
        // Validate and index the new file outside the lock: appends and reads continue meanwhile.
        var replacement = LogSegment.OpenSwap(Directory, original.BaseOffset, swapPath, _config.SegmentIndexBytes, NowMs, _budget);
        try
        {
            replacement.Recover(_config.IndexIntervalBytes, out _);
            replacement.OnBecomeInactive();
            replacement.Flush();
        }
        catch
        {
            replacement.DiscardSwap();
            throw;
        }
        lock (_lock)
        {
            var segments = _segments;
            var i = Array.IndexOf(segments, original);
            if (_closed || i < 0 || i == segments.Length - 1)
            {
                replacement.DiscardSwap();
                return false;
            }
            original.MarkDeleted();
            replacement.CompleteSwap();
            var updated = (LogSegment[])segments.Clone();
            updated[i] = replacement;
            _segments = updated;
        }
        DirectorySync.Fsync(Directory);
        return true;
    }

    internal ILogger Logger => _logger;

    internal long CurrentTimeMs => NowMs;

    // ---------------------------------------------------------------- close

    /// <summary>
    /// Flushes everything, writes the producer snapshot, leader epochs and the clean-shutdown
    /// marker, and closes the files. The next open skips recovery.
    /// </summary>
    public void Close()
    {
        GroupCommitter? committer;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            committer = _committer;
            _committer = null;
        }
        committer?.Dispose();
        Exception? failure = null;
        try
        {
            lock (_lock)
            {
                var active = _segments[^1];
                active.OnBecomeInactive();
                foreach (var segment in _segments)
                {
                    if (segment.NextOffset > _recoveryPoint || segment == active)
                    {
                        segment.Flush();
                    }
                }
                Interlocked.Exchange(ref _recoveryPoint, _logEndOffset);
                _producers.WriteSnapshot(Directory, _logEndOffset);
                _epochs.Flush();
                var marker = Path.Combine(Directory, LogLoader.CleanShutdownFile);
                using (var stream = new FileStream(marker, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    stream.Write(System.Text.Encoding.ASCII.GetBytes(_logStartOffset.ToString(CultureInfo.InvariantCulture) + "\n"));
                    stream.Flush(flushToDisk: true);
                }
                DirectorySync.Fsync(Directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = new StorageException($"{TopicPartition}: close failed; the next open will recover", e);
        }
        finally
        {
            committer?.CompletePending(failure);
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }
        }
        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>Closes without flushing or writing the clean marker, as a crash would leave it (tests).</summary>
    internal void CloseUncleanly()
    {
        GroupCommitter? committer;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            committer = _committer;
            _committer = null;
        }
        committer?.Dispose();
        committer?.CompletePending(new StorageException("log closed uncleanly"));
        foreach (var segment in _segments)
        {
            segment.Dispose();
        }
    }

    public void Dispose() => Close();
}
