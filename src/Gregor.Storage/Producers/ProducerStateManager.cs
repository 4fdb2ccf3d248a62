using System.Buffers.Binary;
using Gregor.Protocol.Records;
using Gregor.Storage.Segments;

namespace Gregor.Storage.Producers;

/// <summary>
/// Idempotent-producer state of one partition: per producer id the epoch and the last five
/// batches (first/last sequence and offsets), which is what lets a retried batch be answered
/// with its original offsets and a gap be refused. Rebuilt on open from the newest snapshot
/// plus the batches after it; snapshotted at every roll and on close.
/// <para>Snapshot file &lt;offset&gt;.snapshot (offset = the log end offset it covers), big-endian:
/// <code>
/// version int16 (1) | crc32c uint32 (of everything after it) | producerCount int32 | producers:
///   producerId int64 | epoch int16 | coordinatorEpoch int32 | txnStartOffset int64 |
///   lastTimestamp int64 | batchCount int8 | batches: firstSeq int32 | lastSeq int32 |
///   firstOffset int64 | lastOffset int64 | maxTimestamp int64
/// </code>
/// Example: producer 7, epoch 0, one batch seq 0..4 at offsets 10..14:
/// <c>0001 crc 00000001 0000000000000007 0000 FFFFFFFF FFFFFFFFFFFFFFFF ts 01 00000000 00000004 000000000000000A 000000000000000E ts</c></para>
/// Thread-safety: none; the owning log calls it under its write lock (readers use
/// <see cref="Snapshot"/>, which copies).
/// </summary>
internal sealed class ProducerStateManager
{
    public const int MaxBatchesPerProducer = 5;
    private const short SnapshotVersion = 1;
    private const int ProducerFixedSize = 8 + 2 + 4 + 8 + 8 + 1;
    private const int BatchSize = 4 + 4 + 8 + 8 + 8;

    private readonly Dictionary<long, ProducerState> _producers = [];

    /// <summary>The log offset up to which (exclusive) the state has been applied.</summary>
    public long MapEndOffset { get; set; }

    public int Count => _producers.Count;

    internal sealed class ProducerState(long producerId)
    {
        public long ProducerId { get; } = producerId;
        public short Epoch { get; set; } = -1;
        public int CoordinatorEpoch { get; set; } = -1;
        public long TxnStartOffset { get; set; } = -1;
        public long LastTimestamp { get; set; } = -1;
        public List<BatchMetadata> Batches { get; } = new(MaxBatchesPerProducer);
    }

    internal readonly record struct BatchMetadata(int FirstSeq, int LastSeq, long FirstOffset, long LastOffset, long MaxTimestamp);

    /// <summary>Result of checking one batch against the state.</summary>
    public readonly record struct Check(bool IsDuplicate, long FirstOffset, long LastOffset);

    /// <summary>
    /// Checks a leader append of batch <paramref name="header"/> (producerId ≥ 0). Duplicate →
    /// the original offsets; a stale epoch or a sequence gap throws.
    /// <paramref name="pendingLastSeq"/> and <paramref name="pendingEpoch"/> carry an earlier
    /// batch of the same producer in the same append, or null.
    /// </summary>
    public Check Validate(in RecordBatchHeader header, int? pendingLastSeq, short? pendingEpoch)
    {
        _producers.TryGetValue(header.ProducerId, out var state);
        var epoch = pendingEpoch ?? state?.Epoch ?? -1;
        var firstSeq = header.BaseSequence;
        var lastSeq = LastSequenceOf(header);
        if (header.ProducerEpoch < epoch)
        {
            throw new InvalidProducerEpochException(
                $"producer {header.ProducerId} epoch {header.ProducerEpoch} is older than the current epoch {epoch}");
        }
        if (header.IsControl)
        {
            return default; // transaction markers carry no sequence
        }
        if (pendingLastSeq is null && state is not null && header.ProducerEpoch == state.Epoch)
        {
            foreach (var batch in state.Batches)
            {
                if (batch.FirstSeq == firstSeq && batch.LastSeq == lastSeq)
                {
                    return new Check(true, batch.FirstOffset, batch.LastOffset);
                }
            }
        }
        if (header.ProducerEpoch != epoch)
        {
            // A new epoch restarts sequences at 0; an unknown producer may start anywhere
            // (its state may have expired or been cut by retention).
            if (firstSeq != 0 && epoch != -1)
            {
                throw new OutOfOrderSequenceException(
                    $"producer {header.ProducerId} starts epoch {header.ProducerEpoch} at sequence {firstSeq}, expected 0");
            }
            return default;
        }
        var currentLast = pendingLastSeq ?? (state is { Batches.Count: > 0 } ? state.Batches[^1].LastSeq : -1);
        if (currentLast == -1 && pendingLastSeq is null)
        {
            return default;
        }
        var inSequence = firstSeq == currentLast + 1 || (firstSeq == 0 && currentLast == int.MaxValue);
        if (!inSequence)
        {
            throw new OutOfOrderSequenceException(
                $"producer {header.ProducerId} epoch {header.ProducerEpoch}: sequence {firstSeq} does not follow {currentLast}");
        }
        return default;
    }

    public static int LastSequenceOf(in RecordBatchHeader header) =>
        header.BaseSequence < 0 ? -1 : (int)((header.BaseSequence + (long)header.LastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>Applies a written batch (leader, follower or recovery replay).</summary>
    public void Update(in RecordBatchHeader header)
    {
        if (header.ProducerId < 0)
        {
            MapEndOffset = Math.Max(MapEndOffset, header.LastOffset + 1);
            return;
        }
        if (!_producers.TryGetValue(header.ProducerId, out var state))
        {
            state = new ProducerState(header.ProducerId);
            _producers[header.ProducerId] = state;
        }
        if (header.ProducerEpoch != state.Epoch)
        {
            state.Epoch = header.ProducerEpoch;
            state.Batches.Clear();
        }
        state.LastTimestamp = Math.Max(state.LastTimestamp, header.MaxTimestamp);
        if (header.IsControl)
        {
            state.TxnStartOffset = -1;
        }
        else
        {
            if (header.IsTransactional && state.TxnStartOffset < 0)
            {
                state.TxnStartOffset = header.BaseOffset;
            }
            if (header.BaseSequence >= 0)
            {
                if (state.Batches.Count == MaxBatchesPerProducer)
                {
                    state.Batches.RemoveAt(0);
                }
                state.Batches.Add(new BatchMetadata(header.BaseSequence, LastSequenceOf(header), header.BaseOffset, header.LastOffset, header.MaxTimestamp));
            }
        }
        MapEndOffset = Math.Max(MapEndOffset, header.LastOffset + 1);
    }

    /// <summary>Records the coordinator epoch of a transaction marker (set by the broker's WriteTxnMarkers path).</summary>
    public void SetCoordinatorEpoch(long producerId, int coordinatorEpoch)
    {
        if (_producers.TryGetValue(producerId, out var state))
        {
            state.CoordinatorEpoch = coordinatorEpoch;
        }
    }

    /// <summary>The smallest start offset of an open transaction, or null.</summary>
    public long? FirstUnstableOffset
    {
        get
        {
            long? min = null;
            foreach (var state in _producers.Values)
            {
                if (state.TxnStartOffset >= 0 && (min is null || state.TxnStartOffset < min))
                {
                    min = state.TxnStartOffset;
                }
            }
            return min;
        }
    }

    public List<ProducerStateEntry> Snapshot() =>
        [.. _producers.Values.Select(s => new ProducerStateEntry(
            s.ProducerId, s.Epoch, s.Batches.Count > 0 ? s.Batches[^1].LastSeq : -1, s.LastTimestamp,
            s.CoordinatorEpoch, s.TxnStartOffset, s.Batches.Count > 0 ? s.Batches[^1].LastOffset : -1))];

    public void Clear()
    {
        _producers.Clear();
    }

    /// <summary>Forgets producers idle since before <paramref name="cutoffTimestamp"/> with no open transaction (producer.id.expiration.ms).</summary>
    public int ExpireBefore(long cutoffTimestamp)
    {
        var expired = _producers.Values.Where(s => s.TxnStartOffset < 0 && s.LastTimestamp < cutoffTimestamp).Select(s => s.ProducerId).ToList();
        foreach (var id in expired)
        {
            _producers.Remove(id);
        }
        return expired.Count;
    }

    /// <summary>Forgets producers whose last batch lies below a new log start offset.</summary>
    public void RemoveBelow(long logStartOffset)
    {
        var gone = _producers.Values
            .Where(s => s.TxnStartOffset < 0 && s.Batches.Count > 0 && s.Batches[^1].LastOffset < logStartOffset)
            .Select(s => s.ProducerId).ToList();
        foreach (var id in gone)
        {
            _producers.Remove(id);
        }
    }

    // ---- snapshots ----

    public void WriteSnapshot(string directory, long offset)
    {
        var size = 2 + 4 + 4 + _producers.Values.Sum(s => ProducerFixedSize + (s.Batches.Count * BatchSize));
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt16BigEndian(span, SnapshotVersion);
        BinaryPrimitives.WriteInt32BigEndian(span[6..], _producers.Count);
        var at = 10;
        foreach (var s in _producers.Values)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[at..], s.ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(span[(at + 8)..], s.Epoch);
            BinaryPrimitives.WriteInt32BigEndian(span[(at + 10)..], s.CoordinatorEpoch);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 14)..], s.TxnStartOffset);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 22)..], s.LastTimestamp);
            span[at + 30] = (byte)s.Batches.Count;
            at += ProducerFixedSize;
            foreach (var b in s.Batches)
            {
                BinaryPrimitives.WriteInt32BigEndian(span[at..], b.FirstSeq);
                BinaryPrimitives.WriteInt32BigEndian(span[(at + 4)..], b.LastSeq);
                BinaryPrimitives.WriteInt64BigEndian(span[(at + 8)..], b.FirstOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(at + 16)..], b.LastOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(at + 24)..], b.MaxTimestamp);
                at += BatchSize;
            }
        }
        BinaryPrimitives.WriteUInt32BigEndian(span[2..], Crc32C.Compute(span[6..]));
        var path = SegmentFileNames.PathOf(directory, offset, SegmentFileNames.SnapshotSuffix);
        DurableFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Loads a snapshot; false (state cleared) when it is missing or damaged.</summary>
    public bool TryLoadSnapshot(string path, long offset)
    {
        _producers.Clear();
        MapEndOffset = 0;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return false;
        }
        var span = bytes.AsSpan();
        if (span.Length < 10 || BinaryPrimitives.ReadInt16BigEndian(span) != SnapshotVersion
            || BinaryPrimitives.ReadUInt32BigEndian(span[2..]) != Crc32C.Compute(span[6..]))
        {
            return false;
        }
        var count = BinaryPrimitives.ReadInt32BigEndian(span[6..]);
        var at = 10;
        for (var i = 0; i < count; i++)
        {
            if (span.Length - at < ProducerFixedSize)
            {
                _producers.Clear();
                return false;
            }
            var state = new ProducerState(BinaryPrimitives.ReadInt64BigEndian(span[at..]))
            {
                Epoch = BinaryPrimitives.ReadInt16BigEndian(span[(at + 8)..]),
                CoordinatorEpoch = BinaryPrimitives.ReadInt32BigEndian(span[(at + 10)..]),
                TxnStartOffset = BinaryPrimitives.ReadInt64BigEndian(span[(at + 14)..]),
                LastTimestamp = BinaryPrimitives.ReadInt64BigEndian(span[(at + 22)..]),
            };
            int batches = span[at + 30];
            at += ProducerFixedSize;
            if (batches > MaxBatchesPerProducer || span.Length - at < batches * BatchSize)
            {
                _producers.Clear();
                return false;
            }
            for (var b = 0; b < batches; b++)
            {
                state.Batches.Add(new BatchMetadata(
                    BinaryPrimitives.ReadInt32BigEndian(span[at..]),
                    BinaryPrimitives.ReadInt32BigEndian(span[(at + 4)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(at + 8)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(at + 16)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(at + 24)..])));
                at += BatchSize;
            }
            _producers[state.ProducerId] = state;
        }
        MapEndOffset = offset;
        return true;
    }

    /// <summary>Snapshot offsets in the directory, ascending.</summary>
    public static List<long> ListSnapshots(string directory)
    {
        var offsets = new List<long>();
        foreach (var file in Directory.EnumerateFiles(directory, "*" + SegmentFileNames.SnapshotSuffix))
        {
            if (SegmentFileNames.TryParseOffset(Path.GetFileName(file), SegmentFileNames.SnapshotSuffix, out var offset))
            {
                offsets.Add(offset);
            }
        }
        offsets.Sort();
        return offsets;
    }

    /// <summary>Deletes snapshots outside [<paramref name="minOffset"/>, <paramref name="maxOffset"/>].</summary>
    public static void DeleteSnapshotsOutside(string directory, long minOffset, long maxOffset)
    {
        foreach (var offset in ListSnapshots(directory))
        {
            if (offset < minOffset || offset > maxOffset)
            {
                File.Delete(SegmentFileNames.PathOf(directory, offset, SegmentFileNames.SnapshotSuffix));
            }
        }
    }
}
