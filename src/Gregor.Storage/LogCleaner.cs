using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Gregor.Protocol;
using Gregor.Protocol.Compression;
using Gregor.Protocol.Records;
using Gregor.Storage.Segments;
using Microsoft.Extensions.Logging;

namespace Gregor.Storage;

/// <summary>
/// Log compaction (cleanup.policy=compact): keeps, per key, only the record with the highest
/// offset, and drops tombstones (null values) once their segment is older than
/// delete.retention.ms. Works as Kafka's cleaner does: (1) scan the dirty part of the log
/// (inactive segments from the first dirty offset) into a map key-hash → latest offset;
/// (2) rewrite each inactive segment without the records the map supersedes, into
/// &lt;base&gt;.log.cleaned, renamed to .log.swap when complete and swapped in under the log's
/// lock (recovery finishes an interrupted swap, see <see cref="LogLoader"/>).
/// <para>Rules that keep it safe: the active segment is never touched, so appends never wait
/// for the cleaner; reads in flight keep the replaced file open; a record is only dropped when a
/// LATER record of the same key exists in the map (so the latest value of a key is never lost);
/// compressed batches are decompressed, filtered and recompressed with their codec (a batch whose
/// codec library is missing is kept whole); transactional and control batches are kept whole; a
/// batch of an idempotent producer whose records are all dropped is kept empty so its sequence
/// survives.</para>
/// Memory: the map holds at most <see cref="MaxKeys"/> 16-byte hashes; a larger dirty section is
/// cleaned in several passes. Thread-safety: one pass at a time (the manager's cleaner loop).
/// </summary>
internal sealed class LogCleaner(ILogger logger)
{
    private const int MaxBatchBytes = 64 << 20;

    public int MaxKeys { get; set; } = 1_000_000;

    private readonly record struct KeyHash(ulong High, ulong Low);

    /// <summary>
    /// Cleans <paramref name="log"/> if its dirty ratio reached min.cleanable.dirty.ratio (or
    /// <paramref name="force"/>). Returns the new first dirty offset, or null when it did nothing.
    /// </summary>
    public long? Clean(PartitionLog log, long firstDirtyOffset, bool force)
    {
        var config = log.Config;
        var now = log.CurrentTimeMs;
        var segments = log.SegmentsSnapshot;
        if (segments.Length < 2)
        {
            return null;
        }
        var inactive = segments[..^1];
        // min.compaction.lag.ms: segments with records newer than the lag stay dirty.
        var cleanableEnd = 0;
        while (cleanableEnd < inactive.Length && now - inactive[cleanableEnd].MaxTimestamp >= config.MinCompactionLagMs)
        {
            cleanableEnd++;
        }
        inactive = inactive[..cleanableEnd];
        if (inactive.Length == 0)
        {
            return null;
        }
        long cleanBytes = 0, dirtyBytes = 0;
        foreach (var segment in inactive)
        {
            if (segment.NextOffset <= firstDirtyOffset)
            {
                cleanBytes += segment.Size;
            }
            else
            {
                dirtyBytes += segment.Size;
            }
        }
        if (dirtyBytes == 0 || (!force && (double)dirtyBytes / (cleanBytes + dirtyBytes) < config.MinCleanableDirtyRatio))
        {
            return null;
        }

        var map = new Dictionary<KeyHash, long>();
        var endOffset = firstDirtyOffset;
        foreach (var segment in inactive)
        {
            if (segment.NextOffset <= firstDirtyOffset)
            {
                continue;
            }
            if (!AddKeys(segment, map))
            {
                break; // map full: clean up to here, the rest in a later pass
            }
            endOffset = segment.NextOffset;
        }
        if (endOffset == firstDirtyOffset)
        {
            return null;
        }
        var tombstoneCutoff = now - config.DeleteRetentionMs;
        foreach (var segment in inactive)
        {
            if (segment.BaseOffset >= endOffset)
            {
                break;
            }
            RewriteSegment(log, segment, map, dropTombstones: segment.MaxTimestamp < tombstoneCutoff);
        }
        return endOffset;
    }

    private bool AddKeys(LogSegment segment, Dictionary<KeyHash, long> map)
    {
        var added = true;
        ForEachBatch(segment, (header, batch) =>
        {
            if (!IsFilterable(header) || !TryOpenRecords(header, batch, out var records))
            {
                return;
            }
            using var opened = records;
            var walker = new RecordWalker(records.Bytes.Span, header.RecordCount);
            while (walker.MoveNext())
            {
                var record = walker.Current;
                if (!record.HasKey)
                {
                    continue;
                }
                var hash = Hash(walker.KeyOf(record));
                if (map.Count >= MaxKeys && !map.ContainsKey(hash))
                {
                    added = false;
                    continue;
                }
                map[hash] = header.BaseOffset + record.OffsetDelta;
            }
        });
        return added;
    }

    private static bool IsFilterable(in RecordBatchHeader header) => !header.IsTransactional && !header.IsControl;

    /// <summary>The batch's uncompressed records; false (keep the batch whole) when they cannot be decompressed.</summary>
    private static bool TryOpenRecords(in RecordBatchHeader header, ReadOnlyMemory<byte> batch, out RecordBatchRecords records)
    {
        try
        {
            records = RecordBatch.Read(batch, verifyCrc: false).OpenRecords();
            return true;
        }
        catch (Exception e) when (e is ProtocolException or CompressionLibraryMissingException)
        {
            records = default;
            return false;
        }
    }

    private void RewriteSegment(PartitionLog log, LogSegment segment, Dictionary<KeyHash, long> map, bool dropTombstones)
    {
        var directory = log.Directory;
        var cleanedPath = SegmentFileNames.PathOf(directory, segment.BaseOffset, SegmentFileNames.LogSuffix + SegmentFileNames.CleanedSuffix);
        var anyDropped = false;
        long written = 0;
        using (var output = new FileStream(cleanedPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var scratch = new ArrayBufferWriter<byte>();
            ForEachBatch(segment, (header, batch) =>
            {
                if (!IsFilterable(header) || !TryOpenRecords(header, batch, out var records))
                {
                    output.Write(batch.Span);
                    written += batch.Length;
                    return;
                }
                using var opened = records;
                scratch.Clear();
                var kept = 0;
                var walker = new RecordWalker(records.Bytes.Span, header.RecordCount);
                while (walker.MoveNext())
                {
                    var record = walker.Current;
                    var offset = header.BaseOffset + record.OffsetDelta;
                    var keep = true;
                    if (record.HasKey && map.TryGetValue(Hash(walker.KeyOf(record)), out var latest))
                    {
                        keep = offset >= latest && !(record.IsTombstone && dropTombstones);
                    }
                    if (keep)
                    {
                        scratch.Write(walker.BytesOf(record));
                        kept++;
                    }
                }
                if (kept == header.RecordCount)
                {
                    output.Write(batch.Span);
                    written += batch.Length;
                    return;
                }
                anyDropped = true;
                if (kept == 0 && header.ProducerId < 0)
                {
                    return;
                }
                var body = scratch.WrittenSpan;
                if (header.Compression != CompressionType.None)
                {
                    var compressed = new ArrayBufferWriter<byte>(Math.Max(256, body.Length / 2));
                    CompressionCodecs.Compress(header.Compression, body, compressed);
                    body = compressed.WrittenSpan;
                }
                var rebuilt = new byte[RecordBatchHeader.Size + body.Length];
                batch.Span[..RecordBatchHeader.Size].CopyTo(rebuilt);
                body.CopyTo(rebuilt.AsSpan(RecordBatchHeader.Size));
                BinaryPrimitives.WriteInt32BigEndian(rebuilt.AsSpan(RecordBatchHeader.LengthOffset), rebuilt.Length - RecordBatchHeader.LogOverhead);
                BinaryPrimitives.WriteInt32BigEndian(rebuilt.AsSpan(RecordBatchHeader.RecordCountOffset), kept);
                RecordBatchHeader.WriteCrc(rebuilt);
                output.Write(rebuilt);
                written += rebuilt.Length;
            });
            output.Flush(flushToDisk: true);
        }
        if (!anyDropped)
        {
            File.Delete(cleanedPath);
            return;
        }
        var swapPath = SegmentFileNames.PathOf(directory, segment.BaseOffset, SegmentFileNames.LogSuffix + SegmentFileNames.SwapSuffix);
        File.Move(cleanedPath, swapPath, overwrite: true);
        var before = segment.Size;
        if (log.ReplaceSegment(segment, swapPath))
        {
            StorageLog.SegmentCompacted(logger, log.TopicPartition, segment.BaseOffset, before, written);
            StorageMetrics.SegmentsCompacted.Add(1);
        }
    }

    private delegate void BatchAction(RecordBatchHeader header, ReadOnlyMemory<byte> batch);

    private static void ForEachBatch(LogSegment segment, BatchAction action)
    {
        var limit = segment.Size;
        long position = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (segment.TryReadHeader(position, limit, out var header))
            {
                if (header.TotalSize > MaxBatchBytes)
                {
                    throw new StorageException($"batch of {header.TotalSize} bytes at {position} in {segment.LogPath} is too large to compact");
                }
                if (buffer.Length < header.TotalSize)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
                }
                var batch = buffer.AsMemory(0, header.TotalSize);
                if (segment.ReadBytes(batch.Span, position) != batch.Length)
                {
                    throw new StorageException($"{segment.LogPath} ended inside the batch at {position}");
                }
                try
                {
                    action(header, batch);
                }
                catch (ProtocolException e)
                {
                    throw new StorageException($"malformed records in the batch at {position} of {segment.LogPath}: {e.Message}", e);
                }
                position += header.TotalSize;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static KeyHash Hash(ReadOnlySpan<byte> key)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(key, digest);
        return new KeyHash(BinaryPrimitives.ReadUInt64LittleEndian(digest), BinaryPrimitives.ReadUInt64LittleEndian(digest[8..]));
    }
}
