using System.Buffers.Binary;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Records;

/// <summary>
/// Encodes and decodes the record batches (magic v2, uncompressed, no producer id) that hold
/// metadata records, one controller commit per batch. Each Kafka record has a null key and a
/// <see cref="MetadataRecordSerde"/> frame as its value; the batch's partitionLeaderEpoch is the
/// controller epoch that wrote it, as in KRaft. Stateless and thread-safe.
/// </summary>
public static class MetadataBatch
{
    /// <summary>A decoded record and its offset in the metadata log.</summary>
    public readonly record struct Entry(long Offset, MetadataRecord? Record);

    public static byte[] Encode(long baseOffset, int leaderEpoch, long timestampMs, IReadOnlyList<MetadataRecord> records)
    {
        if (records.Count == 0)
        {
            throw new ArgumentException("a metadata batch holds at least one record", nameof(records));
        }
        using var writer = new ProtocolWriter(RecordBatchHeader.Size + (64 * records.Count));
        writer.WriteInt64(baseOffset);
        writer.WriteInt32(0); // batchLength, patched below
        writer.WriteInt32(leaderEpoch);
        writer.WriteInt8((sbyte)RecordBatchHeader.CurrentMagic);
        writer.WriteUInt32(0); // crc, computed below
        writer.WriteInt16(0); // attributes: no compression, create time
        writer.WriteInt32(records.Count - 1);
        writer.WriteInt64(timestampMs);
        writer.WriteInt64(timestampMs);
        writer.WriteInt64(-1); // producerId
        writer.WriteInt16(-1); // producerEpoch
        writer.WriteInt32(-1); // baseSequence
        writer.WriteInt32(records.Count);
        using var value = new ProtocolWriter();
        using var body = new ProtocolWriter();
        for (var i = 0; i < records.Count; i++)
        {
            value.Reset();
            MetadataRecordSerde.Write(value, records[i]);
            body.Reset();
            body.WriteInt8(0); // record attributes
            body.WriteVarLong(0); // timestampDelta
            body.WriteVarInt(i); // offsetDelta
            body.WriteVarInt(-1); // null key
            body.WriteVarInt(value.Length);
            body.WriteRaw(value.WrittenSpan);
            body.WriteVarInt(0); // headers
            writer.WriteVarInt(body.Length);
            writer.WriteRaw(body.WrittenSpan);
        }
        var batch = writer.WrittenSpan.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(RecordBatchHeader.LengthOffset), batch.Length - RecordBatchHeader.LogOverhead);
        RecordBatchHeader.WriteCrc(batch);
        return batch;
    }

    /// <summary>
    /// Decodes one whole batch. Throws <see cref="ProtocolException"/> (or its
    /// <see cref="CorruptRecordException"/>) for a CRC mismatch, compression, or malformed records.
    /// </summary>
    public static List<Entry> Decode(ReadOnlyMemory<byte> batch)
    {
        if (!RecordBatchHeader.TryRead(batch.Span, out var header) || header.TotalSize != batch.Length)
        {
            throw new ProtocolException("metadata batch is truncated or has trailing bytes");
        }
        if (!RecordBatchHeader.IsCrcValid(batch.Span))
        {
            throw new CorruptRecordException($"metadata batch at offset {header.BaseOffset} fails its CRC");
        }
        if (header.Compression != CompressionType.None || header.IsControl)
        {
            throw new ProtocolException($"metadata batch at offset {header.BaseOffset} is compressed or a control batch");
        }
        var reader = new ProtocolReader(batch[RecordBatchHeader.Size..]);
        var count = header.RecordCount;
        if (count < 0 || count > reader.Remaining)
        {
            throw new ProtocolException($"metadata batch claims {count} records");
        }
        var entries = new List<Entry>(count);
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadVarInt();
            if (length < 0 || length > reader.Remaining)
            {
                throw new ProtocolException($"record length {length} in metadata batch at offset {header.BaseOffset}");
            }
            var record = new ProtocolReader(reader.ReadMemory(length));
            record.ReadInt8();
            record.ReadVarLong();
            var offsetDelta = record.ReadVarInt();
            var keyLength = record.ReadVarInt();
            if (keyLength > 0)
            {
                record.Skip(keyLength);
            }
            var valueLength = record.ReadVarInt();
            if (valueLength < 0)
            {
                throw new ProtocolException($"metadata record at offset {header.BaseOffset + offsetDelta} has a null value");
            }
            var value = record.ReadMemory(valueLength);
            entries.Add(new Entry(header.BaseOffset + offsetDelta, MetadataRecordSerde.Read(value)));
        }
        return entries;
    }
}
