using System.Buffers.Binary;
using Gregor.Protocol.Records;

namespace Gregor.Testing;

/// <summary>
/// Builds uncompressed magic-v2 record batches byte by byte, independent of the code under test
/// (the bytes a client would send: CRC set, offset and timestamp deltas 0..n-1, keys
/// <c>{keyPrefix}{i}</c>), and reads batches back for assertions. Values are
/// <c>(byte)(seed + i + j)</c>, so two batches built with different seeds differ.
/// <c>Keyed</c> is the exception: compressed batches
/// need the codecs, so it uses Gregor's builder. Stateless.
/// </summary>
public static class TestBatches
{
    public static byte[] Build(int recordCount = 1, long baseOffset = 0, long baseTimestamp = 1_700_000_000_000, int valueSize = 10,
        long producerId = -1, short producerEpoch = -1, int baseSequence = -1, bool transactional = false, string keyPrefix = "k", int seed = 0)
    {
        var records = new List<(byte[]? Key, byte[]? Value)>(recordCount);
        for (var i = 0; i < recordCount; i++)
        {
            var value = new byte[valueSize];
            for (var j = 0; j < valueSize; j++)
            {
                value[j] = (byte)(seed + i + j);
            }
            records.Add((System.Text.Encoding.UTF8.GetBytes($"{keyPrefix}{i}"), value));
        }
        return Build(records, baseOffset, baseTimestamp, producerId, producerEpoch, baseSequence, transactional);
    }

    public static byte[] Build(IReadOnlyList<(byte[]? Key, byte[]? Value)> records, long baseOffset = 0, long baseTimestamp = 1_700_000_000_000,
        long producerId = -1, short producerEpoch = -1, int baseSequence = -1, bool transactional = false, long[]? timestampDeltas = null)
    {
        var body = new List<byte>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = new List<byte> { 0 };
            WriteVarLong(record, timestampDeltas?[i] ?? i);
            WriteVarLong(record, i);
            WriteBytes(record, records[i].Key);
            WriteBytes(record, records[i].Value);
            WriteVarLong(record, 0);
            WriteVarLong(body, record.Count);
            body.AddRange(record);
        }
        var batch = new byte[RecordBatchHeader.Size + body.Count];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt64BigEndian(span, baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], batch.Length - 12);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], -1);
        span[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[21..], (short)(transactional ? RecordBatchHeader.TransactionalFlag : 0));
        BinaryPrimitives.WriteInt32BigEndian(span[23..], records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[27..], baseTimestamp);
        var maxDelta = timestampDeltas is null ? records.Count - 1 : timestampDeltas.Max();
        BinaryPrimitives.WriteInt64BigEndian(span[35..], baseTimestamp + maxDelta);
        BinaryPrimitives.WriteInt64BigEndian(span[43..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[51..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[53..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[57..], records.Count);
        body.ToArray().CopyTo(span[61..]);
        RecordBatchHeader.WriteCrc(span);
        return batch;
    }

    /// <summary>
    /// One batch of records with these keys (null: no key) and timestamps, each with the value
    /// "value", built with Gregor's <see cref="RecordBatchBuilder"/>: for tests of what the broker
    /// does with keys and timestamps, compressed or not, rather than of the batch format itself.
    /// </summary>
    public static byte[] Keyed(CompressionType compression, params (string? Key, long Timestamp)[] records)
    {
        using var builder = new RecordBatchBuilder { Compression = compression };
        foreach (var (key, timestamp) in records)
        {
            builder.Append(timestamp, key is null ? null : System.Text.Encoding.UTF8.GetBytes(key), "value"u8.ToArray());
        }
        return builder.ToArray();
    }

    /// <summary><c>Keyed</c> with one timestamp for every record.</summary>
    public static byte[] Keyed(CompressionType compression, long timestamp, params string?[] keys) =>
        Keyed(compression, [.. keys.Select(key => (key, timestamp))]);

    public static byte[] Concat(params byte[][] batches) => [.. batches.SelectMany(b => b)];

    /// <summary>(baseOffset, lastOffset) of every batch in <paramref name="data"/>, checking each CRC.</summary>
    public static List<(long First, long Last, int Records)> Parse(ReadOnlySpan<byte> data)
    {
        var result = new List<(long, long, int)>();
        while (data.Length > 0)
        {
            Assert.True(RecordBatchHeader.TryRead(data, out var header), "whole header");
            Assert.True(header.TotalSize <= data.Length, "whole batch");
            Assert.True(RecordBatchHeader.IsCrcValid(data[..header.TotalSize]), "valid CRC");
            result.Add((header.BaseOffset, header.LastOffset, header.RecordCount));
            data = data[header.TotalSize..];
        }
        return result;
    }

    /// <summary>(offset, key, value) of every record of uncompressed batches.</summary>
    public static List<(long Offset, string? Key, string? Value)> Records(ReadOnlySpan<byte> data)
    {
        var result = new List<(long, string?, string?)>();
        while (data.Length > 0)
        {
            RecordBatchHeader.TryRead(data, out var header);
            var body = data[61..header.TotalSize];
            var p = 0;
            for (var i = 0; i < header.RecordCount; i++)
            {
                var length = (int)ReadVarLong(body, ref p);
                var end = p + length;
                p++;
                ReadVarLong(body, ref p);
                var offsetDelta = ReadVarLong(body, ref p);
                var key = ReadBytes(body, ref p);
                var value = ReadBytes(body, ref p);
                p = end;
                result.Add((header.BaseOffset + offsetDelta, key, value));
            }
            data = data[header.TotalSize..];
        }
        return result;
    }

    private static string? ReadBytes(ReadOnlySpan<byte> body, ref int p)
    {
        var length = (int)ReadVarLong(body, ref p);
        if (length < 0)
        {
            return null;
        }
        var s = System.Text.Encoding.UTF8.GetString(body.Slice(p, length));
        p += length;
        return s;
    }

    private static long ReadVarLong(ReadOnlySpan<byte> data, ref int p)
    {
        ulong raw = 0;
        var shift = 0;
        while (true)
        {
            var b = data[p++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
            shift += 7;
        }
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    private static void WriteBytes(List<byte> to, byte[]? bytes)
    {
        if (bytes is null)
        {
            WriteVarLong(to, -1);
            return;
        }
        WriteVarLong(to, bytes.Length);
        to.AddRange(bytes);
    }

    private static void WriteVarLong(List<byte> to, long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        while (raw >= 0x80)
        {
            to.Add((byte)(raw | 0x80));
            raw >>= 7;
        }
        to.Add((byte)raw);
    }

    public static byte[] Bytes(string s) => System.Text.Encoding.UTF8.GetBytes(s);
}
