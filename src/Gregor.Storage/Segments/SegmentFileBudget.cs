using System.Diagnostics;

namespace Gregor.Storage.Segments;

/// <summary>
/// Caps the files (.log, .index, .timeindex) held open by the segments of the logs that share
/// it: one per <see cref="LogManager"/>, or one per standalone <see cref="PartitionLog"/>. When
/// an open pushes the count over <see cref="MaxOpenFiles"/>, the least recently used idle,
/// non-active segments are closed (down to 7/8 of the cap, so one pass serves many opens); a
/// closed segment reopens its files on its next use. Never closed: a segment marked
/// <see cref="LogSegment.KeepOpen"/> (each log's active segment) or one in use at that moment;
/// a .log file pinned by a <see cref="ReadResult"/> stays open until the result is disposed, so
/// the count may exceed the cap by the active segments' and the pinned files.
/// Thread-safety: counting is lock-free; registration and eviction take a private lock, which is
/// never held while a segment's own lock is taken by the same thread in the other order.
/// </summary>
internal sealed class SegmentFileBudget
{
    private readonly Lock _lock = new();
    private readonly HashSet<LogSegment> _segments = [];
    private int _openFiles;
    private int _evicting;

    public SegmentFileBudget(int maxOpenFiles) => MaxOpenFiles = maxOpenFiles;

    /// <summary>The cap; at least 1.</summary>
    public int MaxOpenFiles
    {
        get;
        set => field = Math.Max(1, value);
    }

    /// <summary>Segment files open now (including .log files kept open only by read results).</summary>
    public int OpenFiles => Volatile.Read(ref _openFiles);

    /// <summary>A cheap recency stamp for the LRU order (no shared counter to contend on).</summary>
    public static long Now() => Stopwatch.GetTimestamp();

    public void Register(LogSegment segment)
    {
        lock (_lock)
        {
            _segments.Add(segment);
        }
    }

    public void Unregister(LogSegment segment)
    {
        lock (_lock)
        {
            _segments.Remove(segment);
        }
    }

    /// <summary>Counts opened files; call without holding a segment's lock (it may evict).</summary>
    public void FilesOpened(int count)
    {
        Interlocked.Add(ref StorageMetrics.OpenSegmentFilesTotal, count);
        if (Interlocked.Add(ref _openFiles, count) > MaxOpenFiles)
        {
            Evict();
        }
    }

    public void FileClosed()
    {
        Interlocked.Decrement(ref StorageMetrics.OpenSegmentFilesTotal);
        Interlocked.Decrement(ref _openFiles);
    }

    /// <summary>Closes idle segments, least recently used first, until the count is 7/8 of the cap.</summary>
    public void Evict()
    {
        if (Interlocked.Exchange(ref _evicting, 1) != 0)
        {
            return; // another thread is evicting; it works towards the same target
        }
        try
        {
            LogSegment[] candidates;
            lock (_lock)
            {
                candidates = [.. _segments.Where(s => s.IsOpen && !s.KeepOpen)];
            }
            Array.Sort(candidates, static (a, b) => a.LastUsed.CompareTo(b.LastUsed));
            var target = MaxOpenFiles - (MaxOpenFiles / 8);
            foreach (var segment in candidates)
            {
                if (OpenFiles <= target)
                {
                    break;
                }
                segment.TryCloseIdle();
            }
        }
        finally
        {
            Volatile.Write(ref _evicting, 0);
        }
    }
}
