using System.Buffers.Binary;
using System.Text;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Tests.Replication;

/// <summary>
/// Builds valid magic-v2 record batches for tests (uncompressed, CRC set), the bytes a client
/// would send: base offset 0, offset deltas 0..n-1.
/// </summary>
internal static class TestBatches
{
    public static byte[] Create(int recordCount = 1, int valueSize = 10, long baseTimestamp = 1_700_000_000_000, long producerId = -1, short producerEpoch = -1, int baseSequence = -1, byte fill = (byte)'v')
    {
        var records = new List<byte>();
        for (var i = 0; i < recordCount; i++)
        {
            var body = new List<byte> { 0 }; // attributes
            WriteVarLong(body, i);          // timestamp delta
            WriteVarLong(body, i);          // offset delta
            var key = Encoding.UTF8.GetBytes($"k{i}");
            WriteVarLong(body, key.Length);
            body.AddRange(key);
            WriteVarLong(body, valueSize);
            body.AddRange(Enumerable.Repeat(fill, valueSize));
            WriteVarLong(body, 0);          // headers
            WriteVarLong(records, body.Count);
            records.AddRange(body);
        }
        var batch = new byte[RecordBatchHeader.Size + records.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LengthOffset..], batch.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.PartitionLeaderEpochOffset..], -1);
        span[RecordBatchHeader.MagicOffset] = RecordBatchHeader.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.AttributesOffset..], 0);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LastOffsetDeltaOffset..], recordCount - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.BaseTimestampOffset..], baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.MaxTimestampOffset..], baseTimestamp + recordCount - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.ProducerIdOffset..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.ProducerEpochOffset..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BaseSequenceOffset..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.RecordCountOffset..], recordCount);
        records.ToArray().CopyTo(span[RecordBatchHeader.Size..]);
        RecordBatchHeader.WriteCrc(span);
        return batch;
    }

    private static void WriteVarLong(List<byte> output, long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        while (zigzag >= 0x80)
        {
            output.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }
        output.Add((byte)zigzag);
    }
}
