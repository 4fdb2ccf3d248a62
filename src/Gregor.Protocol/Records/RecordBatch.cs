using System.Buffers;
using Gregor.Protocol.Compression;

namespace Gregor.Protocol.Records;

/// <summary>
/// A validated view of one record batch (magic v2) over the bytes it arrived in: the header is
/// parsed, length, magic, CRC, codec and record count are checked, and nothing is copied.
/// Records of an uncompressed batch can be iterated directly (<c>foreach (var r in batch)</c>);
/// <see cref="OpenRecords"/> works for every batch and decompresses into a pooled buffer when
/// needed. Immutable; safe to share while the underlying memory is.
/// </summary>
public readonly struct RecordBatch
{
    private const int MinRecordSize = 7;

    private RecordBatch(ReadOnlyMemory<byte> bytes, RecordBatchHeader header)
    {
        Bytes = bytes;
        Header = header;
    }

    public RecordBatchHeader Header { get; }

    /// <summary>The whole batch, exactly <see cref="RecordBatchHeader.TotalSize"/> bytes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The records section as stored (compressed when <see cref="IsCompressed"/>).</summary>
    public ReadOnlyMemory<byte> RecordsSection => Bytes[RecordBatchHeader.Size..];

    public bool IsCompressed => Header.Compression != CompressionType.None;

    /// <summary>
    /// Reads and validates the batch at the start of <paramref name="data"/> (bytes after it are
    /// ignored). Throws <see cref="CorruptRecordException"/> on a CRC mismatch and
    /// <see cref="ProtocolException"/> for a truncated batch, bad length, magic other than 2,
    /// unknown codec or impossible record count. Records are checked when iterated.
    /// </summary>
    public static RecordBatch Read(ReadOnlyMemory<byte> data, bool verifyCrc = true)
    {
        var span = data.Span;
        if (!RecordBatchHeader.TryRead(span, out var header))
        {
            throw new ProtocolException($"record batch is truncated: {span.Length} bytes, the header alone needs {RecordBatchHeader.Size}");
        }
        if ((long)RecordBatchHeader.LogOverhead + header.BatchLength > span.Length)
        {
            throw new ProtocolException($"record batch is truncated: declares {(long)RecordBatchHeader.LogOverhead + header.BatchLength} bytes, {span.Length} present");
        }
        var bytes = data[..header.TotalSize];
        if (verifyCrc && !RecordBatchHeader.IsCrcValid(bytes.Span))
        {
            throw new CorruptRecordException($"record batch at offset {header.BaseOffset} fails its CRC32C check (stored 0x{header.Crc:X8})");
        }
        if ((int)header.Compression > (int)CompressionType.Zstd)
        {
            throw new ProtocolException($"record batch uses unknown compression type {(int)header.Compression}");
        }
        if (header.RecordCount < 0)
        {
            throw new ProtocolException($"record batch declares a negative record count {header.RecordCount}");
        }
        if (header.Compression == CompressionType.None && (long)header.RecordCount * MinRecordSize > header.TotalSize - RecordBatchHeader.Size)
        {
            throw new ProtocolException($"record batch declares {header.RecordCount} records in {header.TotalSize - RecordBatchHeader.Size} bytes");
        }
        return new RecordBatch(bytes, header);
    }

    /// <summary>
    /// Iterates an uncompressed batch in place. For a compressed batch use <see cref="OpenRecords"/>;
    /// calling this on one is a programming error (<see cref="InvalidOperationException"/>).
    /// </summary>
    public RecordEnumerator GetEnumerator()
    {
        if (IsCompressed)
        {
            throw new InvalidOperationException($"batch is {Header.Compression}-compressed; iterate OpenRecords() instead");
        }
        return new RecordEnumerator(RecordsSection, Header);
    }

    /// <summary>
    /// The batch's records, uncompressed: a slice of the batch itself, or a pooled buffer holding
    /// at most <paramref name="maxDecompressedBytes"/> decompressed bytes (more throws
    /// <see cref="ProtocolException"/>). Dispose the result.
    /// </summary>
    public RecordBatchRecords OpenRecords(int maxDecompressedBytes = CompressionCodecs.DefaultMaxDecompressedBytes)
    {
        if (!IsCompressed || Header.RecordCount == 0)
        {
            return new RecordBatchRecords(Header, IsCompressed ? default : RecordsSection, null);
        }
        if ((long)Header.RecordCount * MinRecordSize > maxDecompressedBytes)
        {
            throw new ProtocolException($"batch declares {Header.RecordCount} records, more than {maxDecompressedBytes} decompressed bytes can hold");
        }
        var section = RecordsSection.Span;
        var estimate = (int)Math.Min(maxDecompressedBytes, Math.Max(4096L, section.Length * 4L));
        var writer = new PooledBufferWriter(estimate);
        try
        {
            var length = CompressionCodecs.Decompress(Header.Compression, section, writer, maxDecompressedBytes);
            var buffer = writer.Detach();
            return new RecordBatchRecords(Header, buffer.AsMemory(0, length), buffer);
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>Parses every record (decompressing if needed) and returns how many there are; throws on any malformed record.</summary>
    public int ValidateRecords(int maxDecompressedBytes = CompressionCodecs.DefaultMaxDecompressedBytes)
    {
        using var records = OpenRecords(maxDecompressedBytes);
        var count = 0;
        foreach (var _ in records)
        {
            count++;
        }
        return count;
    }

    /// <summary>Copies the batch into <paramref name="destination"/> unchanged.</summary>
    public void WriteTo(IBufferWriter<byte> destination)
    {
        Bytes.Span.CopyTo(destination.GetSpan(Bytes.Length));
        destination.Advance(Bytes.Length);
    }
}
