using Gregor.Protocol;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Log;

/// <summary>
/// The metadata log on disk: one Kafka log segment,
/// <c>&lt;data-dir&gt;/metadata/__cluster_metadata-0/00000000000000000000.log</c> (Kafka's
/// metadata.log.dir layout; kept out of the top level so the partition LogManager, which opens
/// every "&lt;topic&gt;-&lt;n&gt;" folder there and applies retention, never touches it),
/// holding record batches back to back exactly as Kafka stores them:
/// <code>
/// [batch base=0 len=.. epoch=1 | RegisterBroker, FeatureLevel] [batch base=2 | Topic, Partition x3] ...
/// </code>
/// Opening scans the file, checks each batch's header, offsets and CRC, and truncates a torn or
/// corrupt tail (an append that never returned) so it is never replayed. Appends are written and
/// fsynced before they return: the single voter's commit point. The whole log is read into memory
/// on start; it holds only topology (kilobytes per topic). Appends are serialized by the caller.
/// </summary>
public sealed class FileMetadataLogStore : IMetadataLogStore
{
    public const string MetadataDirectoryName = "metadata";
    public const string DirectoryName = "__cluster_metadata-0";
    public const string SegmentFileName = "00000000000000000000.log";

    private readonly FileStream _file;
    private readonly List<ReadOnlyMemory<byte>> _batches = [];
    private long _endOffset;

    private FileMetadataLogStore(FileStream file)
    {
        _file = file;
    }

    public string Path => _file.Name;

    /// <summary>Bytes of a torn or corrupt tail dropped when the log was opened (0 after a clean shutdown).</summary>
    public long TruncatedBytes { get; private set; }

    public long EndOffset => Volatile.Read(ref _endOffset);

    /// <summary>Opens (or creates) the metadata log under <paramref name="dataDirectory"/>.</summary>
    public static FileMetadataLogStore Open(string dataDirectory)
    {
        var directory = System.IO.Path.Combine(dataDirectory, MetadataDirectoryName, DirectoryName);
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, SegmentFileName);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
        var store = new FileMetadataLogStore(file);
        try
        {
            store.Recover();
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return store;
    }

    private void Recover()
    {
        var bytes = new byte[_file.Length];
        _file.Position = 0;
        _file.ReadExactly(bytes);
        var position = 0;
        long expectedOffset = 0;
        while (position < bytes.Length)
        {
            var rest = bytes.AsMemory(position);
            RecordBatchHeader header;
            try
            {
                if (!RecordBatchHeader.TryRead(rest.Span, out header) || header.TotalSize > rest.Length)
                {
                    break;
                }
            }
            catch (ProtocolException)
            {
                break;
            }
            var batch = rest[..header.TotalSize];
            if (header.BaseOffset != expectedOffset || !RecordBatchHeader.IsCrcValid(batch.Span))
            {
                break;
            }
            _batches.Add(batch);
            expectedOffset = header.LastOffset + 1;
            position += header.TotalSize;
        }
        if (position < bytes.Length)
        {
            // A torn tail: the append never returned, so nothing acknowledged is lost by dropping it.
            TruncatedBytes = bytes.Length - position;
            _file.SetLength(position);
            _file.Flush(flushToDisk: true);
        }
        _file.Position = position;
        _endOffset = expectedOffset;
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> ReadAll() => [.. _batches];

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> batch, CancellationToken cancellationToken)
    {
        if (!RecordBatchHeader.TryRead(batch.Span, out var header) || header.TotalSize != batch.Length)
        {
            throw new ArgumentException("not a single record batch", nameof(batch));
        }
        if (header.BaseOffset != _endOffset)
        {
            throw new InvalidOperationException($"batch base offset {header.BaseOffset} != log end offset {_endOffset}");
        }
        var copy = batch.ToArray();
        var start = _file.Position;
        try
        {
            await _file.WriteAsync(copy, cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
        }
        catch
        {
            // Leave no partial batch behind for the next append to follow.
            _file.SetLength(start);
            _file.Position = start;
            throw;
        }
        _batches.Add(copy);
        Volatile.Write(ref _endOffset, header.LastOffset + 1);
    }

    public void Dispose() => _file.Dispose();
}
