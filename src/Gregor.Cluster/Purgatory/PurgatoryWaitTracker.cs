using System.Diagnostics;

namespace Gregor.Cluster.Purgatory;

/// <summary>
/// How long one request waited in a purgatory (Kafka's "remote time"). The request dispatcher
/// puts one in <see cref="Current"/> per request; the replica manager reports each delayed
/// operation's wait. A produce waits for several partitions at once, so the tracker keeps the
/// span from the first wait's start to the last wait's end rather than a sum. Thread-safe.
/// </summary>
public sealed class PurgatoryWaitTracker
{
    /// <summary>The current request's tracker (flows with its async calls), null outside a request.</summary>
    public static readonly AsyncLocal<PurgatoryWaitTracker?> Current = new();

    private long _firstStart = long.MaxValue;
    private long _lastEnd = long.MinValue;

    /// <summary>Records a wait between two <see cref="Stopwatch.GetTimestamp"/> values.</summary>
    public void Record(long startTimestamp, long endTimestamp)
    {
        long seen;
        while (startTimestamp < (seen = Volatile.Read(ref _firstStart)) && Interlocked.CompareExchange(ref _firstStart, startTimestamp, seen) != seen)
        {
        }
        while (endTimestamp > (seen = Volatile.Read(ref _lastEnd)) && Interlocked.CompareExchange(ref _lastEnd, endTimestamp, seen) != seen)
        {
        }
    }

    /// <summary>The time spent waiting (zero when the request never waited).</summary>
    public TimeSpan Elapsed
    {
        get
        {
            var first = Volatile.Read(ref _firstStart);
            var last = Volatile.Read(ref _lastEnd);
            return last > first ? Stopwatch.GetElapsedTime(first, last) : TimeSpan.Zero;
        }
    }
}
