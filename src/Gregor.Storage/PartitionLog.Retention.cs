using Gregor.Storage.Producers;
using Gregor.Storage.Segments;

namespace Gregor.Storage;

/// <summary>
/// The parts of <see cref="PartitionLog"/> that shorten the log: truncation (replication),
/// DeleteRecords, retention, and rebuilding producer state after the log changed underneath it.
/// All run under the log's lock.
/// </summary>
public sealed partial class PartitionLog
{
    // ---------------------------------------------------------------- truncation, deletion

    /// <summary>
    /// Removes every batch at or after <paramref name="offset"/> (replication: a follower drops a
    /// divergent tail). A batch holding the offset goes whole. No-op when offset ≥ log end.
    /// </summary>
    public void TruncateTo(long offset)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (offset >= _logEndOffset)
            {
                return;
            }
            if (offset <= _logStartOffset)
            {
                TruncateFullyAndStartAtLocked(offset);
                return;
            }
            var segments = _segments.ToList();
            while (segments.Count > 1 && segments[^1].BaseOffset >= offset)
            {
                var dropped = segments[^1];
                segments.RemoveAt(segments.Count - 1);
                dropped.MarkDeleted();
            }
            segments[^1].KeepOpen = true; // the new active segment (set first: the truncation reopens it if closed)
            segments[^1].TruncateTo(offset);
            _segments = [.. segments];
            var dataEnd = _segments.LastOrDefault(s => s.Size > 0)?.NextOffset ?? long.MinValue;
            if (dataEnd <= _logStartOffset)
            {
                // Nothing at or above the log start is left: restart the empty log at the offset.
                TruncateFullyAndStartAtLocked(offset);
                return;
            }
            AfterTruncation();
            StorageLog.Truncated(_logger, TopicPartition, offset);
        }
    }

    /// <summary>Empties the log and restarts it at <paramref name="offset"/> (a follower far behind the leader's log start).</summary>
    public void TruncateFullyAndStartAt(long offset)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            TruncateFullyAndStartAtLocked(offset);
        }
    }

    private void TruncateFullyAndStartAtLocked(long offset)
    {
        foreach (var segment in _segments)
        {
            segment.MarkDeleted();
        }
        _segments = [LogSegment.Create(Directory, offset, _config.SegmentIndexBytes, NowMs, _budget)];
        _directoryDirty = true;
        Interlocked.Exchange(ref _logStartOffset, offset);
        Interlocked.Exchange(ref _logEndOffset, offset);
        Interlocked.Exchange(ref _recoveryPoint, offset);
        Interlocked.Exchange(ref _durableOffset, offset);
        _epochs.Clear();
        _producers.Clear();
        ProducerStateManager.DeleteSnapshotsOutside(Directory, long.MaxValue, long.MinValue);
        _producers.MapEndOffset = offset;
        StorageLog.Truncated(_logger, TopicPartition, offset);
    }

    private void AfterTruncation()
    {
        var end = _segments[^1].NextOffset;
        Interlocked.Exchange(ref _logEndOffset, end);
        if (_recoveryPoint > end)
        {
            Interlocked.Exchange(ref _recoveryPoint, end);
        }
        if (_durableOffset > end)
        {
            Interlocked.Exchange(ref _durableOffset, end);
        }
        _epochs.TruncateFromEnd(end);
        RebuildProducerState();
    }

    /// <summary>
    /// DeleteRecords: advances the log start offset to <paramref name="offset"/> (no further than
    /// the log end) and drops segments entirely below it. Returns the new log start offset.
    /// </summary>
    public long DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (offset > _logEndOffset)
            {
                throw new OffsetOutOfRangeException($"{TopicPartition}: cannot delete records before {offset}, the log ends at {_logEndOffset}");
            }
            if (offset > _logStartOffset)
            {
                Interlocked.Exchange(ref _logStartOffset, offset);
                _epochs.TruncateFromStart(offset);
                _producers.RemoveBelow(offset);
                DeleteSegmentsBelowLogStart();
            }
            return _logStartOffset;
        }
    }

    /// <summary>
    /// Applies retention.ms / retention.bytes (when cleanup.policy has delete) and drops segments
    /// below the log start offset. Returns the number of segments deleted. Called periodically by
    /// the log manager; segment files are renamed to *.deleted and unlinked later.
    /// </summary>
    public int ApplyRetention()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return 0;
            }
            var config = _config;
            var now = NowMs;
            var deleted = 0;
            if (config.Delete)
            {
                if (config.RetentionMs >= 0)
                {
                    deleted += DeleteLeadingSegments(s => s.MaxTimestamp >= 0 && now - s.MaxTimestamp > config.RetentionMs, "retention.ms");
                }
                if (config.RetentionBytes >= 0)
                {
                    var size = Size;
                    deleted += DeleteLeadingSegments(s =>
                    {
                        if (size - s.Size < config.RetentionBytes)
                        {
                            return false;
                        }
                        size -= s.Size;
                        return true;
                    }, "retention.bytes");
                }
            }
            deleted += DeleteSegmentsBelowLogStart();
            _producers.ExpireBefore(now - config.ProducerIdExpirationMs);
            return deleted;
        }
    }

    private int DeleteSegmentsBelowLogStart()
    {
        var logStart = _logStartOffset;
        var segments = _segments;
        return DeleteLeadingSegments(s =>
        {
            var i = Array.IndexOf(segments, s);
            return i + 1 < segments.Length && segments[i + 1].BaseOffset <= logStart;
        }, "log start offset");
    }

    /// <summary>Deletes segments from the front while <paramref name="predicate"/> holds; the active segment only by rolling first.</summary>
    private int DeleteLeadingSegments(Func<LogSegment, bool> predicate, string reason)
    {
        var segments = _segments;
        var count = 0;
        while (count < segments.Length && predicate(segments[count]))
        {
            count++;
        }
        if (count == 0)
        {
            return 0;
        }
        if (count == segments.Length)
        {
            if (segments[^1].Size == 0)
            {
                count--;
            }
            else
            {
                Roll(_logEndOffset, NowMs);
            }
        }
        if (count == 0)
        {
            return 0;
        }
        var current = _segments;
        for (var i = 0; i < count; i++)
        {
            current[i].MarkDeleted();
            StorageLog.SegmentDeleted(_logger, TopicPartition, current[i].BaseOffset, reason);
            StorageMetrics.SegmentsDeleted.Add(1);
        }
        _segments = current[count..];
        if (_segments[0].BaseOffset > _logStartOffset)
        {
            Interlocked.Exchange(ref _logStartOffset, _segments[0].BaseOffset);
            _epochs.TruncateFromStart(_logStartOffset);
            _producers.RemoveBelow(_logStartOffset);
        }
        ProducerStateManager.DeleteSnapshotsOutside(Directory, _segments[0].BaseOffset, long.MaxValue);
        return count;
    }

    /// <summary>Unlinks *.deleted files older than file.delete.delay.ms.</summary>
    internal void RemoveDeletedFiles(long nowMs)
    {
        var delay = _config.FileDeleteDelayMs;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*" + SegmentFileNames.DeletedSuffix).ToList())
        {
            try
            {
                if (nowMs - new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeMilliseconds() >= delay
                    || nowMs - new DateTimeOffset(File.GetLastAccessTimeUtc(file)).ToUnixTimeMilliseconds() >= delay)
                {
                    File.Delete(file);
                }
            }
            catch (IOException)
            {
                // Retried on the next pass.
            }
        }
    }

    // ---------------------------------------------------------------- producer state

    /// <summary>Restores producer state: newest snapshot at or below the log end, then replay of later batch headers.</summary>
    private void RebuildProducerState()
    {
        var end = _logEndOffset;
        ProducerStateManager.DeleteSnapshotsOutside(Directory, long.MinValue, end);
        var snapshots = ProducerStateManager.ListSnapshots(Directory);
        var loaded = false;
        for (var i = snapshots.Count - 1; i >= 0 && !loaded; i--)
        {
            loaded = _producers.TryLoadSnapshot(SegmentFileNames.PathOf(Directory, snapshots[i], SegmentFileNames.SnapshotSuffix), snapshots[i]);
        }
        if (!loaded)
        {
            _producers.Clear();
            _producers.MapEndOffset = _segments[0].BaseOffset;
        }
        var from = _producers.MapEndOffset;
        foreach (var segment in _segments)
        {
            if (segment.NextOffset <= from)
            {
                continue;
            }
            long position = 0;
            if (segment.BaseOffset < from && segment.TryTranslateOffset(from, segment.Size, out var p, out _))
            {
                position = p;
            }
            var limit = segment.Size;
            while (segment.TryReadHeader(position, limit, out var header))
            {
                if (header.LastOffset >= from)
                {
                    _producers.Update(header);
                }
                position += header.TotalSize;
            }
        }
        _producers.MapEndOffset = end;
    }
}
