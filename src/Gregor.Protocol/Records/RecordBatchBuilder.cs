using System.Buffers;
using System.Buffers.Binary;
using Gregor.Protocol.Compression;
using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Records;

/// <summary>
/// Builds one record batch (magic v2). Records are appended uncompressed into a pooled buffer;
/// <see cref="WriteTo"/> compresses them if asked, fills the header (lastOffsetDelta, base and max
/// timestamps, record count, producer fields, attributes) and the CRC32C, and writes the batch in
/// one contiguous span. Offset deltas are assigned 0, 1, 2, … in append order; the first record's
/// timestamp is the base timestamp, as Kafka's Java client does. Options are fixed at construction
/// (init properties). Single owner, not thread-safe; dispose to return the buffer.
/// </summary>
public sealed class RecordBatchBuilder : IDisposable
{
    private readonly ProtocolWriter _records = new(1024);
    private int _count;
    private long _baseTimestamp;
    private long _maxTimestamp = -1;

    public long BaseOffset { get; init; }
    public CompressionType Compression { get; init; }
    public int PartitionLeaderEpoch { get; init; } = -1;

    /// <summary>-1 when the producer is neither idempotent nor transactional.</summary>
    public long ProducerId { get; init; } = -1;
    public short ProducerEpoch { get; init; } = -1;
    public int BaseSequence { get; init; } = -1;
    public bool IsTransactional { get; init; }
    public bool IsControl { get; init; }
    public TimestampType TimestampType { get; init; }

    /// <summary>The broker's append time, written as maxTimestamp when <see cref="TimestampType"/> is LogAppendTime.</summary>
    public long LogAppendTime { get; init; } = -1;

    public int Count => _count;

    /// <summary>Size of the batch if written uncompressed.</summary>
    public int UncompressedSize => RecordBatchHeader.Size + _records.Length;

    /// <summary>
    /// Appends a record. A null key or value (no value in the nullable) is written as length -1
    /// and reads back as null; an empty one as length 0. Beware: C# converts a null <c>byte[]</c>
    /// to an empty <see cref="ReadOnlyMemory{T}"/>; pass arrays to the <c>byte[]?</c> overload.
    /// </summary>
    public void Append(long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlySpan<RecordHeader> headers = default)
    {
        if (_count == 0)
        {
            _baseTimestamp = timestamp;
        }
        var offsetDelta = _count;
        var timestampDelta = timestamp - _baseTimestamp;
        var keyLength = key?.Length ?? -1;
        var valueLength = value?.Length ?? -1;
        long bodySize = 1 + VarInts.SizeOfVarLong(timestampDelta) + VarInts.SizeOfVarInt(offsetDelta)
            + VarInts.SizeOfVarInt(keyLength) + Math.Max(0, keyLength)
            + VarInts.SizeOfVarInt(valueLength) + Math.Max(0, valueLength)
            + VarInts.SizeOfVarInt(headers.Length);
        foreach (var header in headers)
        {
            var headerValueLength = header.IsValueNull ? -1 : header.Value.Length;
            bodySize += VarInts.SizeOfVarInt(header.Key.Length) + header.Key.Length
                + VarInts.SizeOfVarInt(headerValueLength) + Math.Max(0, headerValueLength);
        }
        if (bodySize > int.MaxValue - 16)
        {
            throw new ArgumentException("record is too large for a record batch");
        }
        var total = VarInts.SizeOfVarInt((int)bodySize) + (int)bodySize;
        var span = _records.GetSpan(total);
        var pos = VarInts.WriteVarInt(span, (int)bodySize);
        span[pos++] = 0; // record attributes: unused
        pos += VarInts.WriteVarLong(span[pos..], timestampDelta);
        pos += VarInts.WriteVarInt(span[pos..], offsetDelta);
        pos += WriteNullable(span[pos..], key);
        pos += WriteNullable(span[pos..], value);
        pos += VarInts.WriteVarInt(span[pos..], headers.Length);
        foreach (var header in headers)
        {
            pos += WriteNullable(span[pos..], header.Key);
            pos += WriteNullable(span[pos..], header.IsValueNull ? (ReadOnlyMemory<byte>?)null : header.Value);
        }
        _records.Advance(pos);
        _count++;
        _maxTimestamp = _count == 1 ? timestamp : Math.Max(_maxTimestamp, timestamp);
    }

    /// <summary>
    /// Appends a record from arrays: a null array is written as a null key or value (length -1),
    /// an empty one as length 0.
    /// </summary>
    public void Append(long timestamp, byte[]? key, byte[]? value, ReadOnlySpan<RecordHeader> headers = default) =>
        Append(timestamp,
            key is null ? (ReadOnlyMemory<byte>?)null : key,
            value is null ? (ReadOnlyMemory<byte>?)null : value,
            headers);

    /// <summary>Appends a copy of a record read from another batch, keeping its timestamp, key, value and headers.</summary>
    public void Append(in Record record)
    {
        var count = record.Headers.Count;
        var rented = count == 0 ? null : ArrayPool<RecordHeader>.Shared.Rent(count);
        try
        {
            var i = 0;
            foreach (var header in record.Headers)
            {
                rented![i++] = header;
            }
            Append(record.Timestamp,
                record.IsKeyNull ? (ReadOnlyMemory<byte>?)null : record.Key,
                record.IsValueNull ? (ReadOnlyMemory<byte>?)null : record.Value,
                rented.AsSpan(0, count));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<RecordHeader>.Shared.Return(rented, clearArray: true);
            }
        }
    }

    /// <summary>Appends the abort/commit marker record of a control batch (requires <see cref="IsControl"/>).</summary>
    public void AppendEndTxnMarker(ControlRecordType type, int coordinatorEpoch, long timestamp)
    {
        if (!IsControl)
        {
            throw new InvalidOperationException("transaction markers belong in a control batch (IsControl = true)");
        }
        var key = new byte[ControlRecords.KeySize];
        ControlRecords.WriteKey(key, type);
        var value = new byte[ControlRecords.EndTxnMarkerSize];
        ControlRecords.WriteEndTxnMarker(value, coordinatorEpoch);
        Append(timestamp, key, value);
    }

    /// <summary>Writes the finished batch to <paramref name="destination"/> and returns its size. The builder can write again.</summary>
    public int WriteTo(IBufferWriter<byte> destination)
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("a record batch needs at least one record");
        }
        if (Compression == CompressionType.None)
        {
            return WriteBatch(destination, _records.WrittenSpan);
        }
        using var compressed = new ProtocolWriter(Math.Max(256, _records.Length / 2));
        CompressionCodecs.Compress(Compression, _records.WrittenSpan, compressed);
        return WriteBatch(destination, compressed.WrittenSpan);
    }

    /// <summary>The finished batch as a new array (tests, tools; the broker writes into its own buffers).</summary>
    public byte[] ToArray()
    {
        using var writer = new ProtocolWriter(UncompressedSize);
        WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    private int WriteBatch(IBufferWriter<byte> destination, ReadOnlySpan<byte> records)
    {
        var total = RecordBatchHeader.Size + records.Length;
        var batch = destination.GetSpan(total)[..total];
        short attributes = (short)Compression;
        if (TimestampType == TimestampType.LogAppendTime)
        {
            attributes |= RecordBatchHeader.TimestampTypeFlag;
        }
        if (IsTransactional)
        {
            attributes |= RecordBatchHeader.TransactionalFlag;
        }
        if (IsControl)
        {
            attributes |= RecordBatchHeader.ControlFlag;
        }
        var maxTimestamp = TimestampType == TimestampType.LogAppendTime ? LogAppendTime : _maxTimestamp;
        BinaryPrimitives.WriteInt64BigEndian(batch, BaseOffset);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.LengthOffset..], total - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.PartitionLeaderEpochOffset..], PartitionLeaderEpoch);
        batch[RecordBatchHeader.MagicOffset] = RecordBatchHeader.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesOffset..], attributes);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.LastOffsetDeltaOffset..], _count - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampOffset..], maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.ProducerIdOffset..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.ProducerEpochOffset..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.BaseSequenceOffset..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.RecordCountOffset..], _count);
        records.CopyTo(batch[RecordBatchHeader.Size..]);
        RecordBatchHeader.WriteCrc(batch);
        destination.Advance(total);
        return total;
    }

    private static int WriteNullable(Span<byte> destination, ReadOnlyMemory<byte>? data)
    {
        if (data is not { } bytes)
        {
            return VarInts.WriteVarInt(destination, -1);
        }
        var pos = VarInts.WriteVarInt(destination, bytes.Length);
        bytes.Span.CopyTo(destination[pos..]);
        return pos + bytes.Length;
    }

    public void Dispose() => _records.Dispose();
}
