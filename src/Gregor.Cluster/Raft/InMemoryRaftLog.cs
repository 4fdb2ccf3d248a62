using System.Buffers.Binary;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Raft;

/// <summary>
/// An <see cref="IRaftLog"/> in memory that models a disk with a page cache: appends are visible
/// at once but durable only after a flush completes, which the driver decides
/// (<see cref="FlushRequested"/> tells it one was asked for; <see cref="CompleteFlush"/> finishes
/// the oldest). <see cref="LoseUnflushed"/> is a machine crash (optionally keeping a random part
/// of the unflushed tail, as a torn write would); a process crash simply keeps everything.
/// Snapshots are durable when written. For the simulator and tests; single-threaded.
/// Snapshot bytes here are an 8-byte timestamp followed by one <see cref="MetadataBatch"/> of the
/// records (not Kafka's <c>.checkpoint</c> layout, which the on-disk log writes).
/// </summary>
public sealed class InMemoryRaftLog : IRaftLog
{
    private readonly List<RaftLogBatch> _batches = [];
    private readonly Queue<long> _pendingFlushes = new();
    private readonly SortedDictionary<long, byte[]> _snapshotsByEnd = [];
    private readonly Dictionary<OffsetAndEpoch, MemoryStream> _downloads = [];
    private OffsetAndEpoch? _latestSnapshotId;
    private long _startOffset;
    private long _flushedEnd;

    /// <summary>Called when the core asks for an fsync (the driver schedules <see cref="CompleteFlush"/>).</summary>
    public Action? FlushRequested { get; set; }

    public long LogStartOffset => _startOffset;

    public long EndOffset => _batches.Count == 0 ? _startOffset : _batches[^1].NextOffset;

    public long FlushedEndOffset => _flushedEnd;

    public int LastFetchedEpoch => _batches.Count > 0 ? _batches[^1].Epoch : _latestSnapshotId?.Epoch ?? 0;

    public OffsetAndEpoch? LatestSnapshotId => _latestSnapshotId;

    public int PendingFlushes => _pendingFlushes.Count;

    /// <summary>How many truncations removed batches (divergent tails cut on a leader's DivergingEpoch).</summary>
    public int Truncations { get; private set; }

    /// <summary>How many snapshots were installed from a leader (FetchSnapshot downloads completed).</summary>
    public int SnapshotDownloads { get; private set; }

    /// <summary>Every batch in the log (durable or not), oldest first.</summary>
    public IReadOnlyList<RaftLogBatch> Batches => _batches;

    public void Append(RaftLogBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BaseOffset != EndOffset)
        {
            throw new InvalidOperationException($"append at {batch.BaseOffset} but the log ends at {EndOffset}");
        }

        if (batch.Epoch < LastFetchedEpoch)
        {
            throw new InvalidOperationException($"append of epoch {batch.Epoch} after epoch {LastFetchedEpoch}");
        }

        _batches.Add(batch);
    }

    public void TruncateTo(long offset)
    {
        if (offset < _startOffset)
        {
            throw new InvalidOperationException($"truncation to {offset} below the log start {_startOffset}");
        }

        var keep = _batches.FindIndex(b => b.LastOffset >= offset);
        if (keep >= 0)
        {
            Truncations++;
            _batches.RemoveRange(keep, _batches.Count - keep);
        }

        // An fsync requested earlier cannot make batches appended after the truncation durable.
        var end = EndOffset;
        _flushedEnd = Math.Min(_flushedEnd, end);
        if (_pendingFlushes.Count > 0)
        {
            var pending = _pendingFlushes.Select(p => Math.Min(p, end)).ToList();
            _pendingFlushes.Clear();
            foreach (var p in pending)
            {
                _pendingFlushes.Enqueue(p);
            }
        }
    }

    public void RequestFlush()
    {
        _pendingFlushes.Enqueue(EndOffset);
        FlushRequested?.Invoke();
    }

    /// <summary>Finishes the oldest requested fsync; returns false if none was pending.</summary>
    public bool CompleteFlush()
    {
        if (!_pendingFlushes.TryDequeue(out var target))
        {
            return false;
        }

        _flushedEnd = Math.Max(_flushedEnd, Math.Min(target, EndOffset));
        return true;
    }

    /// <summary>
    /// A machine crash: the page cache is gone. Unflushed batches are lost, except that with
    /// <paramref name="tornTail"/> a random prefix of them may have reached the disk anyway.
    /// Pending fsyncs are forgotten.
    /// </summary>
    public void LoseUnflushed(Random? tornTail)
    {
        var keepEnd = _flushedEnd;
        var unflushed = _batches.Where(b => b.BaseOffset >= _flushedEnd).ToList();
        if (tornTail is not null && unflushed.Count > 0)
        {
            var kept = tornTail.Next(unflushed.Count + 1);
            if (kept > 0)
            {
                keepEnd = unflushed[kept - 1].NextOffset;
            }
        }

        var cut = _batches.FindIndex(b => b.BaseOffset >= keepEnd);
        if (cut >= 0)
        {
            _batches.RemoveRange(cut, _batches.Count - cut);
        }

        _flushedEnd = EndOffset;
        _pendingFlushes.Clear();
        _downloads.Clear();
    }

    /// <summary>A process crash: the page cache survives, but pending fsync completions are never delivered.</summary>
    public void ForgetPendingFlushes()
    {
        _pendingFlushes.Clear();
        _downloads.Clear();
    }

    public IReadOnlyList<RaftLogBatch> Read(long offset, int maxBytes)
    {
        var index = IndexOf(offset);
        if (index < 0)
        {
            return [];
        }

        // About 64 bytes a record: enough to bound a response the way the real log's bytes do.
        var result = new List<RaftLogBatch>();
        long bytes = 0;
        for (var i = index; i < _batches.Count; i++)
        {
            var size = 64L * _batches[i].RecordCount;
            if (result.Count > 0 && bytes + size > maxBytes)
            {
                break;
            }

            result.Add(_batches[i]);
            bytes += size;
        }

        return result;
    }

    private int IndexOf(long offset)
    {
        int lo = 0, hi = _batches.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var batch = _batches[mid];
            if (batch.LastOffset < offset)
            {
                lo = mid + 1;
            }
            else if (batch.BaseOffset > offset)
            {
                hi = mid - 1;
            }
            else
            {
                return batch.BaseOffset == offset ? mid : -1;
            }
        }

        return -1;
    }

    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
    {
        // Walk back to the last batch whose epoch is ≤ epoch; its epoch ends where the next epoch starts.
        for (var i = _batches.Count - 1; i >= 0; i--)
        {
            if (_batches[i].Epoch <= epoch)
            {
                var end = i + 1 < _batches.Count ? _batches[i + 1].BaseOffset : EndOffset;
                return new OffsetAndEpoch(end, _batches[i].Epoch);
            }
        }

        if (_latestSnapshotId is { } snapshot && snapshot.Epoch <= epoch)
        {
            return new OffsetAndEpoch(_batches.Count > 0 ? _batches[0].BaseOffset : snapshot.Offset, snapshot.Epoch);
        }

        return new OffsetAndEpoch(-1, -1);
    }

    public RaftSnapshot? ReadLatestSnapshot() =>
        _latestSnapshotId is { } id ? Decode(id, _snapshotsByEnd[id.Offset]) : null;

    public void WriteSnapshot(RaftSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var id = snapshot.SnapshotId;
        if (id.Offset > EndOffset && id.Offset > _startOffset)
        {
            throw new InvalidOperationException($"snapshot end {id.Offset} beyond the log end {EndOffset}");
        }

        if (IndexOf(id.Offset) < 0 && id.Offset != EndOffset)
        {
            throw new InvalidOperationException($"snapshot end {id.Offset} is not a batch boundary");
        }

        Install(id, Encode(snapshot));
        var cut = _batches.FindIndex(b => b.BaseOffset >= id.Offset);
        _batches.RemoveRange(0, cut < 0 ? _batches.Count : cut);
        _startOffset = id.Offset;
        _flushedEnd = Math.Max(_flushedEnd, _startOffset);
    }

    public long SnapshotSize(OffsetAndEpoch snapshotId) =>
        _snapshotsByEnd.TryGetValue(snapshotId.Offset, out var bytes) && _latestSnapshotId is not null ? bytes.Length : -1;

    public ReadOnlyMemory<byte> ReadSnapshotChunk(OffsetAndEpoch snapshotId, long position, int maxBytes)
    {
        var bytes = _snapshotsByEnd[snapshotId.Offset];
        var start = (int)Math.Min(position, bytes.Length);
        return bytes.AsMemory(start, Math.Min(maxBytes, bytes.Length - start));
    }

    public void WriteSnapshotChunk(OffsetAndEpoch snapshotId, long position, ReadOnlySpan<byte> chunk)
    {
        if (!_downloads.TryGetValue(snapshotId, out var stream))
        {
            _downloads[snapshotId] = stream = new MemoryStream();
        }

        if (position != stream.Length)
        {
            throw new InvalidOperationException($"snapshot chunk at {position}, expected {stream.Length}");
        }

        stream.Write(chunk);
    }

    public RaftSnapshot CompleteSnapshotDownload(OffsetAndEpoch snapshotId)
    {
        if (!_downloads.Remove(snapshotId, out var stream))
        {
            throw new InvalidOperationException($"no download of snapshot {snapshotId}");
        }

        var bytes = stream.ToArray();
        var snapshot = Decode(snapshotId, bytes);
        SnapshotDownloads++;
        Install(snapshotId, bytes);
        _batches.Clear();
        _startOffset = snapshotId.Offset;
        _flushedEnd = _startOffset;
        _pendingFlushes.Clear();
        return snapshot;
    }

    private void Install(OffsetAndEpoch id, byte[] bytes)
    {
        _snapshotsByEnd[id.Offset] = bytes;
        _latestSnapshotId = id;
        // Older snapshots are not needed once a newer one is durable (Kafka deletes them too).
        foreach (var older in _snapshotsByEnd.Keys.Where(k => k < id.Offset).ToList())
        {
            _snapshotsByEnd.Remove(older);
        }
    }

    private static byte[] Encode(RaftSnapshot snapshot)
    {
        var batch = snapshot.Records.Count == 0
            ? []
            : MetadataBatch.Encode(0, snapshot.LastContained.Epoch, snapshot.LastContainedLogTimeMs, snapshot.Records);
        var bytes = new byte[8 + batch.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, snapshot.LastContainedLogTimeMs);
        batch.CopyTo(bytes, 8);
        return bytes;
    }

    private static RaftSnapshot Decode(OffsetAndEpoch id, byte[] bytes)
    {
        if (bytes.Length < 8)
        {
            throw new InvalidDataException("snapshot shorter than its header");
        }

        var time = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var records = bytes.Length == 8
            ? []
            : MetadataBatch.Decode(bytes.AsMemory(8)).Select(e => e.Record).OfType<MetadataRecord>().ToList();
        return new RaftSnapshot(new OffsetAndEpoch(id.Offset - 1, id.Epoch), time, records);
    }
}
