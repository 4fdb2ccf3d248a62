using System.Globalization;
using Gregor.Cluster.Log;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;
using Gregor.Protocol.Records;
using Gregor.Storage;
using Gregor.Storage.Segments;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Quorum;

/// <summary>
/// The production <see cref="IRaftLog"/>: the metadata partition <c>__cluster_metadata-0</c> kept
/// by the same <see cref="PartitionLog"/> engine as every partition (segments, indexes, the
/// leader-epoch cache — Raft epochs are the batches' partitionLeaderEpoch — and torn-tail
/// recovery), in page-cache mode: appends and truncations act at once and <see cref="RequestFlush"/>
/// fsyncs (synchronously on the Raft thread, as Kafka's KafkaRaftClient does; the metadata log
/// is small) before the driver reports the completion to the core.
/// <para>Snapshots are files beside the segments, in Kafka's layout:
/// <c>&lt;end offset, 20 digits&gt;-&lt;epoch, 10 digits&gt;.checkpoint</c>, holding a SnapshotHeader
/// control batch, the records in data batches (offsets from 0) and a SnapshotFooter control batch.
/// They are written as <c>.checkpoint.part</c>, fsynced and renamed. Writing one cleans the log
/// below its end offset and deletes older snapshots. The KIP-853 bootstrap checkpoint (id 0-0,
/// only the voter set) is not a snapshot of data and is never reported as one.</para>
/// Not thread-safe: every call comes from the Raft driver's thread.
/// </summary>
public sealed class FileRaftLog : IRaftLog, IDisposable
{
    public const string SnapshotSuffix = ".checkpoint";
    public const string PartialSuffix = ".part";

    // Page cache: the core asks for fsync explicitly; segments as large as the existing metadata log's.
    private static readonly LogConfig Config = LogConfig.Default with
    {
        Delete = false,
        RetentionMs = LogConfig.Infinite,
        RetentionBytes = LogConfig.Infinite,
        FlushMode = FlushMode.PageCache,
        MaxMessageBytes = 8 * 1024 * 1024,
        SegmentBytes = 64 * 1024 * 1024,
    };

    private const int RecordsPerSnapshotBatch = 1000;

    private readonly PartitionLog _log;
    private readonly TimeProvider _time;
    private OffsetAndEpoch? _latestSnapshot;
    private long _flushedEnd;

    private FileRaftLog(PartitionLog log, TimeProvider time)
    {
        _log = log;
        _time = time;
    }

    /// <summary>The partition's directory (<c>&lt;metadata dir&gt;/metadata/__cluster_metadata-0</c>).</summary>
    public string Directory => _log.Directory;

    /// <summary>Bytes of a torn tail dropped on open.</summary>
    public long TruncatedBytes => _log.RecoveryTruncatedBytes;

    /// <summary>Opens (or creates) the log in <paramref name="partitionDirectory"/>, drops half-written snapshot files and aligns the log start with the latest snapshot.</summary>
    public static FileRaftLog Open(string partitionDirectory, TimeProvider? time = null, ILogger? logger = null)
    {
        System.IO.Directory.CreateDirectory(partitionDirectory);
        foreach (var partial in System.IO.Directory.EnumerateFiles(partitionDirectory, "*" + SnapshotSuffix + PartialSuffix))
        {
            File.Delete(partial);
        }
        var log = PartitionLog.Open(partitionDirectory, FileMetadataLogStore.MetadataPartition, Config, time, logger);
        var raftLog = new FileRaftLog(log, time ?? TimeProvider.System);
        try
        {
            raftLog._latestSnapshot = raftLog.ListSnapshots().Select(s => (OffsetAndEpoch?)s).LastOrDefault();
            if (raftLog._latestSnapshot is { } snapshot)
            {
                raftLog.CleanBelow(snapshot.Offset);
            }
            // Everything recovered from disk after a restart was flushed or is gone: the OS kept it or the recovery cut it.
            raftLog._flushedEnd = log.LogEndOffset;
        }
        catch
        {
            log.Dispose();
            throw;
        }
        return raftLog;
    }

    public long LogStartOffset => _log.LogStartOffset;

    public long EndOffset => _log.LogEndOffset;

    public long FlushedEndOffset => Math.Min(_flushedEnd, _log.LogEndOffset);

    public int LastFetchedEpoch => _log.LogEndOffset > _log.LogStartOffset && _log.LatestEpoch >= 0
        ? _log.LatestEpoch
        : _latestSnapshot?.Epoch ?? 0;

    public OffsetAndEpoch? LatestSnapshotId => _latestSnapshot;

    public void Append(RaftLogBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.BaseOffset != EndOffset)
        {
            throw new InvalidOperationException($"batch base offset {batch.BaseOffset} != log end offset {EndOffset}");
        }
        var task = _log.AppendAsFollowerAsync(RaftBatchCodec.Encode(batch));
        // Page-cache appends complete synchronously; wait anyway rather than assume it.
        task.AsTask().GetAwaiter().GetResult();
    }

    public void TruncateTo(long offset)
    {
        _log.TruncateTo(offset);
        _flushedEnd = Math.Min(_flushedEnd, offset);
    }

    /// <summary>fsyncs everything appended so far, now; the driver then reports the completion to the core.</summary>
    public void RequestFlush()
    {
        var end = _log.LogEndOffset;
        _log.Flush();
        _flushedEnd = Math.Max(_flushedEnd, end);
    }

    public IReadOnlyList<RaftLogBatch> Read(long offset, int maxBytes)
    {
        if (offset >= EndOffset || offset < LogStartOffset)
        {
            return [];
        }
        using var read = _log.Read(offset, maxBytes, long.MaxValue);
        if (read.TotalBytes == 0)
        {
            return [];
        }
        var bytes = new byte[read.TotalBytes];
        read.CopyTo(bytes);
        var batches = RaftBatchCodec.DecodeAll(bytes);
        // A read starts at the batch holding the offset; the core asks at batch boundaries.
        return batches.Count > 0 && batches[0].BaseOffset < offset ? batches.SkipWhile(b => b.NextOffset <= offset).ToList() : batches;
    }

    public OffsetAndEpoch EndOffsetForEpoch(int epoch)
    {
        var (foundEpoch, endOffset) = _log.EndOffsetForEpoch(epoch);
        if (foundEpoch >= 0 && endOffset >= 0 && (_latestSnapshot is not { } s || foundEpoch >= s.Epoch))
        {
            return new OffsetAndEpoch(endOffset, foundEpoch);
        }
        if (_latestSnapshot is { } snapshot && snapshot.Epoch <= epoch)
        {
            return new OffsetAndEpoch(snapshot.Offset, snapshot.Epoch);
        }
        return new OffsetAndEpoch(-1, -1);
    }

    public RaftSnapshot? ReadLatestSnapshot() =>
        _latestSnapshot is { } id ? DecodeSnapshot(id, File.ReadAllBytes(SnapshotPath(id))) : null;

    public void WriteSnapshot(RaftSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var id = snapshot.SnapshotId;
        var path = SnapshotPath(id);
        DurableFile.WriteAllBytes(path, EncodeSnapshot(snapshot));
        if (_latestSnapshot is not { } latest || id.Offset > latest.Offset || (id.Offset == latest.Offset && id.Epoch > latest.Epoch))
        {
            _latestSnapshot = id;
            CleanBelow(id.Offset);
        }
    }

    public long SnapshotSize(OffsetAndEpoch snapshotId)
    {
        var path = SnapshotPath(snapshotId);
        return snapshotId.Offset > 0 && File.Exists(path) ? new FileInfo(path).Length : -1;
    }

    public ReadOnlyMemory<byte> ReadSnapshotChunk(OffsetAndEpoch snapshotId, long position, int maxBytes)
    {
        using var handle = File.OpenHandle(SnapshotPath(snapshotId));
        var length = RandomAccess.GetLength(handle);
        if (position < 0 || position > length)
        {
            throw new ArgumentOutOfRangeException(nameof(position), $"position {position} is outside the snapshot's {length} bytes");
        }
        var buffer = new byte[(int)Math.Min(Math.Max(0, maxBytes), length - position)];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(read), position + read);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return buffer.AsMemory(0, read);
    }

    public void WriteSnapshotChunk(OffsetAndEpoch snapshotId, long position, ReadOnlySpan<byte> chunk)
    {
        var path = SnapshotPath(snapshotId) + PartialSuffix;
        using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write);
        RandomAccess.Write(handle, chunk, position);
    }

    public RaftSnapshot CompleteSnapshotDownload(OffsetAndEpoch snapshotId)
    {
        var partial = SnapshotPath(snapshotId) + PartialSuffix;
        var bytes = File.ReadAllBytes(partial);
        var snapshot = DecodeSnapshot(snapshotId, bytes);
        using (var handle = File.OpenHandle(partial, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.FlushToDisk(handle);
        }
        File.Move(partial, SnapshotPath(snapshotId), overwrite: true);
        Gregor.Storage.Segments.DirectorySync.Fsync(Directory);
        _log.TruncateFullyAndStartAt(snapshotId.Offset);
        _flushedEnd = snapshotId.Offset;
        _latestSnapshot = snapshotId;
        DeleteSnapshotsBelow(snapshotId);
        return snapshot;
    }

    public void Dispose() => _log.Dispose();

    /// <summary>The snapshot file name of <paramref name="id"/>: Kafka's <c>00000000000000000042-0000000003.checkpoint</c>.</summary>
    public static string SnapshotFileName(OffsetAndEpoch id) =>
        string.Create(CultureInfo.InvariantCulture, $"{id.Offset:D20}-{id.Epoch:D10}{SnapshotSuffix}");

    private string SnapshotPath(OffsetAndEpoch id) => Path.Combine(Directory, SnapshotFileName(id));

    /// <summary>The snapshots on disk, oldest first (the bootstrap checkpoint 0-0 excluded).</summary>
    private List<OffsetAndEpoch> ListSnapshots()
    {
        var ids = new List<OffsetAndEpoch>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*" + SnapshotSuffix))
        {
            var name = Path.GetFileName(file);
            if (name.Length == 20 + 1 + 10 + SnapshotSuffix.Length && name[20] == '-'
                && long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                && int.TryParse(name.AsSpan(21, 10), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                && offset > 0)
            {
                ids.Add(new OffsetAndEpoch(offset, epoch));
            }
        }
        ids.Sort((a, b) => a.Offset != b.Offset ? a.Offset.CompareTo(b.Offset) : a.Epoch.CompareTo(b.Epoch));
        return ids;
    }

    private void CleanBelow(long snapshotEnd)
    {
        if (snapshotEnd > _log.LogEndOffset)
        {
            _log.TruncateFullyAndStartAt(snapshotEnd);
            _flushedEnd = snapshotEnd;
        }
        else if (snapshotEnd > _log.LogStartOffset)
        {
            _log.DeleteRecordsBefore(snapshotEnd);
        }
        if (_latestSnapshot is { } latest)
        {
            DeleteSnapshotsBelow(latest);
        }
    }

    private void DeleteSnapshotsBelow(OffsetAndEpoch keep)
    {
        foreach (var id in ListSnapshots())
        {
            if (id != keep && id.Offset <= keep.Offset)
            {
                File.Delete(SnapshotPath(id));
            }
        }
    }

    private byte[] EncodeSnapshot(RaftSnapshot snapshot)
    {
        using var file = new ProtocolWriter(1024);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var epoch = snapshot.LastContained.Epoch;
        long offset = 0;
        file.WriteRaw(ControlBatch(offset++, epoch, now, ControlRecordType.SnapshotHeader, w =>
        {
            w.WriteInt16(0);
            w.WriteInt64(snapshot.LastContainedLogTimeMs);
        }));
        for (var i = 0; i < snapshot.Records.Count; i += RecordsPerSnapshotBatch)
        {
            var chunk = snapshot.Records.Skip(i).Take(RecordsPerSnapshotBatch).ToList();
            file.WriteRaw(MetadataBatch.Encode(offset, epoch, now, chunk));
            offset += chunk.Count;
        }
        file.WriteRaw(ControlBatch(offset, epoch, now, ControlRecordType.SnapshotFooter, w => w.WriteInt16(0)));
        return file.WrittenSpan.ToArray();
    }

    private static byte[] ControlBatch(long offset, int epoch, long timestampMs, ControlRecordType type, Action<ProtocolWriter> value)
    {
        var key = new byte[ControlRecords.KeySize];
        ControlRecords.WriteKey(key, type);
        using var body = new ProtocolWriter(16);
        value(body);
        body.WriteUnsignedVarInt(0);
        using var builder = new RecordBatchBuilder { BaseOffset = offset, PartitionLeaderEpoch = epoch, IsControl = true };
        builder.Append(timestampMs, key, body.WrittenSpan.ToArray());
        return builder.ToArray();
    }

    /// <summary>Decodes a snapshot file; <see cref="ProtocolException"/> when it lacks its header or footer or holds a bad batch.</summary>
    private static RaftSnapshot DecodeSnapshot(OffsetAndEpoch id, byte[] bytes)
    {
        var records = new List<MetadataRecord>();
        long lastContainedTime = -1;
        bool header = false, footer = false;
        var consumed = 0;
        foreach (var batch in new RecordBatchIterator(bytes))
        {
            consumed += batch.Bytes.Length;
            if (footer)
            {
                throw new ProtocolException($"snapshot {SnapshotFileName(id)} has batches after its footer");
            }
            if (batch.Header.IsControl)
            {
                foreach (var record in batch)
                {
                    switch (ControlRecords.ReadType(record.Key.Span))
                    {
                        case ControlRecordType.SnapshotHeader:
                            var reader = new ProtocolReader(record.Value);
                            reader.ReadInt16();
                            lastContainedTime = reader.ReadInt64();
                            header = true;
                            break;
                        case ControlRecordType.SnapshotFooter:
                            footer = true;
                            break;
                    }
                }
                continue;
            }
            if (!header)
            {
                throw new ProtocolException($"snapshot {SnapshotFileName(id)} does not start with a SnapshotHeader");
            }
            foreach (var entry in MetadataBatch.Decode(batch.Bytes))
            {
                records.Add(entry.Record ?? throw new ProtocolException($"snapshot {SnapshotFileName(id)} holds a record type this node cannot read"));
            }
        }
        if (!header || !footer || consumed != bytes.Length)
        {
            throw new ProtocolException($"snapshot {SnapshotFileName(id)} is incomplete (header {header}, footer {footer}, {consumed} of {bytes.Length} bytes)");
        }
        return new RaftSnapshot(new OffsetAndEpoch(id.Offset - 1, id.Epoch), lastContainedTime, records);
    }
}
