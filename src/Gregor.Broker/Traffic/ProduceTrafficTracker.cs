using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Gregor.Broker.Traffic;

/// <summary>
/// Counts what each producer (client id) appended to each topic, for the console's live picture
/// of who writes where. The produce handler calls <c>Record</c> once per successfully
/// appended partition (never per record): a lookup in a concurrent map keyed by
/// (client id, topic) — a value tuple of the strings the request already holds, so a known pair
/// allocates nothing — and three interlocked updates. Record counts come from the batch headers
/// (8 bytes per batch read, nothing decoded).
/// <para>
/// Bounded: at most <see cref="MaxPairs"/> pairs are tracked; traffic of further pairs goes to
/// one overflow entry (client id <see cref="OverflowClientId"/>), and <see cref="Snapshot"/> drops
/// pairs idle for longer than <see cref="IdleExpiry"/>, freeing room. Thread-safe.
/// </para>
/// </summary>
public sealed class ProduceTrafficTracker(TimeProvider time)
{
    /// <summary>1,024 pairs: far more producers × topics than a picture can show, a few hundred KiB at most.</summary>
    public const int MaxPairs = 1024;

    public const string OverflowClientId = "(other producers)";

    public static readonly TimeSpan IdleExpiry = TimeSpan.FromMinutes(10);

    // Batch layout (KIP-98): baseOffset int64, batchLength int32 at 8, … recordCount int32 at 57.
    private const int LengthOffset = 8;
    private const int RecordCountOffset = 57;
    private const int BatchHeaderSize = 61;

    private readonly ConcurrentDictionary<(string ClientId, string Topic), Counters> _pairs = new();
    private readonly Counters _overflow = new();
    private int _count;

    /// <summary>Counts one partition's appended <paramref name="batches"/> (as received: one or more record batches).</summary>
    public void Record(string? clientId, string topic, ReadOnlySpan<byte> batches)
    {
        var records = 0L;
        var position = 0;
        while (batches.Length - position >= BatchHeaderSize)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(batches[(position + LengthOffset)..]);
            records += Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(batches[(position + RecordCountOffset)..]));
            if (length <= 0 || length > batches.Length)
            {
                break;
            }
            position += LengthOffset + 4 + length;
        }
        Record(clientId, topic, records, batches.Length);
    }

    public void Record(string? clientId, string topic, long records, long bytes)
    {
        ArgumentNullException.ThrowIfNull(topic);
        var key = (clientId ?? string.Empty, topic);
        if (!_pairs.TryGetValue(key, out var counters))
        {
            if (Interlocked.Increment(ref _count) <= MaxPairs)
            {
                var added = new Counters();
                counters = _pairs.GetOrAdd(key, added);
                if (!ReferenceEquals(counters, added))
                {
                    Interlocked.Decrement(ref _count); // another thread added the pair first
                }
            }
            else
            {
                Interlocked.Decrement(ref _count);
                counters = _overflow;
            }
        }
        Interlocked.Add(ref counters.Records, records);
        Interlocked.Add(ref counters.Bytes, bytes);
        Volatile.Write(ref counters.LastProduceUnixMs, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>Every tracked pair (and the overflow entry once used), dropping pairs idle past <see cref="IdleExpiry"/>.</summary>
    public IReadOnlyList<ProduceTraffic> Snapshot()
    {
        var idleBefore = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)IdleExpiry.TotalMilliseconds;
        var list = new List<ProduceTraffic>();
        foreach (var ((clientId, topic), counters) in _pairs)
        {
            var last = Volatile.Read(ref counters.LastProduceUnixMs);
            if (last < idleBefore)
            {
                if (_pairs.TryRemove(new KeyValuePair<(string, string), Counters>((clientId, topic), counters)))
                {
                    Interlocked.Decrement(ref _count);
                }
                continue;
            }
            list.Add(new ProduceTraffic(clientId, topic, Interlocked.Read(ref counters.Records), Interlocked.Read(ref counters.Bytes), last));
        }
        if (Volatile.Read(ref _overflow.LastProduceUnixMs) > 0)
        {
            list.Add(new ProduceTraffic(OverflowClientId, "*", Interlocked.Read(ref _overflow.Records), Interlocked.Read(ref _overflow.Bytes), _overflow.LastProduceUnixMs));
        }
        return list;
    }

    private sealed class Counters
    {
        public long Records;
        public long Bytes;
        public long LastProduceUnixMs;
    }
}
