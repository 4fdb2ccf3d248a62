using Gregor.Protocol;
using Gregor.Protocol.Records;
using Gregor.Storage;
using Microsoft.Extensions.Logging;

namespace Gregor.Cluster.Log;

/// <summary>
/// The metadata log on disk, kept by the same log engine as every partition
/// (<see cref="PartitionLog"/>): segments, offset and time indexes, leader-epoch checkpoint,
/// crash recovery that cuts a torn tail. It lives in
/// <c>&lt;data-dir&gt;/metadata/__cluster_metadata-0/</c> (Kafka's metadata.log.dir layout; kept out
/// of the top level so the partition LogManager, which opens every "&lt;topic&gt;-&lt;n&gt;" folder
/// there and applies retention, never touches it). Batches arrive with their offsets and epoch
/// assigned by the controller, so they are appended as a follower appends (offsets must continue
/// the log; the CRC is checked), then fsynced before the append returns: the single voter's
/// commit point. Raft will use the same engine's truncation and epoch lookups.
/// The whole log is read into memory on open; it holds only topology (kilobytes per topic).
/// Appends are serialized by the caller.
/// </summary>
public sealed class FileMetadataLogStore : IMetadataLogStore
{
    public const string MetadataDirectoryName = "metadata";
    public const string DirectoryName = "__cluster_metadata-0";

    /// <summary>KRaft's metadata partition.</summary>
    public static readonly TopicPartition MetadataPartition = new("__cluster_metadata", 0);

    // Never deleted by time or size (snapshots will bound it); group commit so an append returns
    // only once fsynced; a batch may be as large as Kafka's 8 MiB KRaft batch limit.
    private static readonly LogConfig MetadataLogConfig = LogConfig.Default with
    {
        Delete = false,
        RetentionMs = LogConfig.Infinite,
        RetentionBytes = LogConfig.Infinite,
        FlushMode = FlushMode.GroupCommit,
        MaxMessageBytes = 8 * 1024 * 1024,
        SegmentBytes = 64 * 1024 * 1024,
    };

    private readonly PartitionLog _log;
    private readonly List<ReadOnlyMemory<byte>> _batches = [];

    private FileMetadataLogStore(PartitionLog log)
    {
        _log = log;
    }

    /// <summary>The partition log's directory.</summary>
    public string Directory => _log.Directory;

    /// <summary>Bytes of a torn or corrupt tail dropped when the log was opened (0 after a clean shutdown).</summary>
    public long TruncatedBytes => _log.RecoveryTruncatedBytes;

    public long EndOffset => _log.LogEndOffset;

    /// <summary>Opens (or creates) the metadata log under <paramref name="dataDirectory"/> and reads it whole.</summary>
    public static FileMetadataLogStore Open(string dataDirectory, ILogger? logger = null)
    {
        var directory = Path.Combine(dataDirectory, MetadataDirectoryName, DirectoryName);
        var log = PartitionLog.Open(directory, MetadataPartition, MetadataLogConfig, logger: logger);
        var store = new FileMetadataLogStore(log);
        try
        {
            store.ReadBatches();
        }
        catch
        {
            log.Dispose();
            throw;
        }
        return store;
    }

    private void ReadBatches()
    {
        var offset = _log.LogStartOffset;
        while (offset < _log.LogEndOffset)
        {
            using var read = _log.Read(offset, MetadataLogConfig.MaxMessageBytes, long.MaxValue);
            if (read.TotalBytes == 0)
            {
                break;
            }
            var bytes = read.ToArray().AsMemory();
            while (bytes.Length > 0 && RecordBatchHeader.TryRead(bytes.Span, out var header) && header.TotalSize <= bytes.Length)
            {
                _batches.Add(bytes[..header.TotalSize]);
                offset = header.LastOffset + 1;
                bytes = bytes[header.TotalSize..];
            }
        }
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> ReadAll() => [.. _batches];

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> batch, CancellationToken cancellationToken)
    {
        if (!RecordBatchHeader.TryRead(batch.Span, out var header) || header.TotalSize != batch.Length)
        {
            throw new ArgumentException("not a single record batch", nameof(batch));
        }
        if (header.BaseOffset != EndOffset)
        {
            throw new InvalidOperationException($"batch base offset {header.BaseOffset} != log end offset {EndOffset}");
        }
        // The log keeps the bytes; this copy is what ReadAll hands out (and what replay reads).
        var copy = batch.ToArray();
        await _log.AppendAsFollowerAsync(copy, cancellationToken).ConfigureAwait(false);
        _batches.Add(copy);
    }

    public void Dispose() => _log.Dispose();
}
