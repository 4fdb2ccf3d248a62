using System.Buffers;
using Gregor.Protocol;
using Gregor.Protocol.Compression;
using Gregor.Protocol.Primitives;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Groups.Records;

/// <summary>
/// Turns <c>__consumer_offsets</c> key/value records into one uncompressed v2 record batch (no
/// producer id, CreateTime timestamps, CRC32C filled in; the log assigns offsets and the leader
/// epoch) and reads records back out of the batches a log read returns, decompressing when a
/// batch is compressed and skipping control batches. Stateless and thread-safe.
/// Record layout inside the batch (Kafka's): varint length, int8 attributes, varlong timestamp
/// delta, varint offset delta, varint key length + key, varint value length (-1 = tombstone) +
/// value, varint header count (0).
/// </summary>
public static class GroupRecordBatchCodec
{
    public static byte[] Encode(IReadOnlyList<GroupLogRecord> records, long timestampMs)
    {
        if (records.Count == 0)
        {
            throw new ArgumentException("a batch needs at least one record", nameof(records));
        }
        using var body = new ProtocolWriter(256);
        using var record = new ProtocolWriter(128);
        for (var i = 0; i < records.Count; i++)
        {
            record.Reset();
            record.WriteInt8(0);
            record.WriteVarLong(0);
            record.WriteVarInt(i);
            record.WriteVarInt(records[i].Key.Length);
            record.WriteRaw(records[i].Key);
            if (records[i].Value is { } value)
            {
                record.WriteVarInt(value.Length);
                record.WriteRaw(value);
            }
            else
            {
                record.WriteVarInt(-1);
            }
            record.WriteVarInt(0);
            body.WriteVarInt(record.Length);
            body.WriteRaw(record.WrittenSpan);
        }
        using var batch = new ProtocolWriter(RecordBatchHeader.Size + body.Length);
        batch.WriteInt64(0);                                   // base offset: assigned by the log
        batch.WriteInt32(RecordBatchHeader.Size - RecordBatchHeader.LogOverhead + body.Length);
        batch.WriteInt32(-1);                                  // partition leader epoch: set by the leader
        batch.WriteInt8((sbyte)RecordBatchHeader.CurrentMagic);
        batch.WriteUInt32(0);                                  // crc, patched below
        batch.WriteInt16(0);                                   // attributes: no compression, CreateTime
        batch.WriteInt32(records.Count - 1);
        batch.WriteInt64(timestampMs);
        batch.WriteInt64(timestampMs);
        batch.WriteInt64(-1);                                  // producer id
        batch.WriteInt16(-1);                                  // producer epoch
        batch.WriteInt32(-1);                                  // base sequence
        batch.WriteInt32(records.Count);
        batch.WriteRaw(body.WrittenSpan);
        var bytes = batch.WrittenSpan.ToArray();
        RecordBatchHeader.WriteCrc(bytes);
        return bytes;
    }

    /// <summary>
    /// Every record of the complete batches in <paramref name="batches"/>, with the offset of the
    /// last batch read so the caller can continue after it. A trailing partial batch is left for
    /// the next read.
    /// </summary>
    public static List<GroupLogRecord> Decode(ReadOnlyMemory<byte> batches, out long nextOffset)
    {
        var result = new List<GroupLogRecord>();
        nextOffset = -1;
        var position = 0;
        while (RecordBatchHeader.TryRead(batches.Span[position..], out var header) && header.TotalSize <= batches.Length - position)
        {
            var batch = batches.Slice(position, header.TotalSize);
            position += header.TotalSize;
            nextOffset = header.LastOffset + 1;
            if (header.IsControl || header.RecordCount == 0)
            {
                continue;
            }
            var recordsBytes = batch[RecordBatchHeader.Size..];
            if (header.Compression != CompressionType.None)
            {
                var output = new ArrayBufferWriter<byte>(recordsBytes.Length * 4);
                CompressionCodecs.Decompress(header.Compression, recordsBytes.Span, output);
                recordsBytes = output.WrittenMemory;
            }
            ReadRecords(recordsBytes, header.RecordCount, result);
        }
        return result;
    }

    private static void ReadRecords(ReadOnlyMemory<byte> bytes, int count, List<GroupLogRecord> into)
    {
        var reader = new ProtocolReader(bytes);
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadVarInt();
            if (length < 0 || length > reader.Remaining)
            {
                throw new ProtocolException($"record length {length} does not fit the {reader.Remaining} bytes left");
            }
            var end = reader.Position + length;
            reader.ReadInt8();
            reader.ReadVarLong();
            reader.ReadVarInt();
            var keyLength = reader.ReadVarInt();
            if (keyLength < 0)
            {
                // __consumer_offsets records always have keys; a keyless record is not ours.
                reader.Skip(end - reader.Position);
                continue;
            }
            var key = reader.ReadMemory(keyLength).ToArray();
            var valueLength = reader.ReadVarInt();
            var value = valueLength < 0 ? null : reader.ReadMemory(valueLength).ToArray();
            reader.Skip(end - reader.Position);
            into.Add(new GroupLogRecord(key, value));
        }
    }
}
