using System.Buffers.Binary;
using System.Text;
using Gregor.Protocol.Primitives;
using Gregor.Protocol.Records;
using Record = Gregor.Protocol.Records.Record;

namespace Gregor.Protocol.Tests.Records;

public class RecordBatchRoundTripTests
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static TheoryData<CompressionType> Codecs => new(Enum.GetValues<CompressionType>());

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Build_ThenRead_PreservesNullAndEmptyKeysValuesAndHeaders(CompressionType codec)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = 1000, Compression = codec, PartitionLeaderEpoch = 7 };
        builder.Append(5_000, null, Utf8("v0"));
        builder.Append(5_010, Array.Empty<byte>(), Array.Empty<byte>(), [RecordHeader.Create("empty", [])]);
        builder.Append(4_990, Utf8("k2"), null, [RecordHeader.Create("null", null), RecordHeader.Create("h\u00e9", [1, 2, 3])]);
        var bytes = builder.ToArray();

        var batch = RecordBatch.Read(bytes);
        Assert.Equal(codec, batch.Header.Compression);
        Assert.Equal(1000, batch.Header.BaseOffset);
        Assert.Equal(1002, batch.Header.LastOffset);
        Assert.Equal(7, batch.Header.PartitionLeaderEpoch);
        Assert.Equal(3, batch.Header.RecordCount);
        Assert.Equal(5_000, batch.Header.BaseTimestamp);
        Assert.Equal(5_010, batch.Header.MaxTimestamp);
        Assert.Equal(bytes.Length, batch.Header.TotalSize);

        using var records = batch.OpenRecords();
        var list = new List<(long Offset, long Timestamp, byte[]? Key, byte[]? Value, (string, byte[]?)[] Headers)>();
        foreach (var record in records)
        {
            var headers = new List<(string, byte[]?)>();
            foreach (var header in record.Headers)
            {
                headers.Add((header.KeyString, header.IsValueNull ? null : header.Value.ToArray()));
            }
            list.Add((record.Offset, record.Timestamp, record.IsKeyNull ? null : record.Key.ToArray(),
                record.IsValueNull ? null : record.Value.ToArray(), headers.ToArray()));
        }

        Assert.Equal(3, list.Count);
        Assert.Equal((1000L, 5_000L), (list[0].Offset, list[0].Timestamp));
        Assert.Null(list[0].Key);
        Assert.Equal(Utf8("v0"), list[0].Value);
        Assert.Empty(list[0].Headers);

        Assert.Equal((1001L, 5_010L), (list[1].Offset, list[1].Timestamp));
        Assert.Equal(Array.Empty<byte>(), Assert.IsType<byte[]>(list[1].Key));
        Assert.Equal(Array.Empty<byte>(), Assert.IsType<byte[]>(list[1].Value));
        var emptyHeader = Assert.Single(list[1].Headers);
        Assert.Equal("empty", emptyHeader.Item1);
        Assert.Equal(Array.Empty<byte>(), Assert.IsType<byte[]>(emptyHeader.Item2));

        Assert.Equal((1002L, 4_990L), (list[2].Offset, list[2].Timestamp));
        Assert.Equal(Utf8("k2"), list[2].Key);
        Assert.Null(list[2].Value);
        Assert.Equal("null", list[2].Headers[0].Item1);
        Assert.Null(list[2].Headers[0].Item2);
        Assert.Equal("h\u00e9", list[2].Headers[1].Item1);
        Assert.Equal([1, 2, 3], list[2].Headers[1].Item2);
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Build_ThenRead_ManyRecordsLargerThanOneCodecBlock(CompressionType codec)
    {
        var random = new Random((int)codec + 17);
        var values = Enumerable.Range(0, 300).Select(i =>
        {
            var value = new byte[random.Next(0, 2000)];
            random.NextBytes(value.AsSpan(0, value.Length / 2)); // half random, half zeros: compressible but not trivially
            return value;
        }).ToArray();
        using var builder = new RecordBatchBuilder { Compression = codec };
        for (var i = 0; i < values.Length; i++)
        {
            builder.Append(1_700_000_000_000 + i, Utf8($"key-{i}"), values[i]);
        }
        var batch = RecordBatch.Read(builder.ToArray());
        using var records = batch.OpenRecords();
        var index = 0;
        foreach (var record in records)
        {
            Assert.Equal(index, record.OffsetDelta);
            Assert.Equal(Utf8($"key-{index}"), record.Key.ToArray());
            Assert.Equal(values[index], record.Value.ToArray());
            index++;
        }
        Assert.Equal(values.Length, index);
        Assert.Equal(values.Length, batch.ValidateRecords());
    }

    [Fact]
    public void Build_IdempotentTransactionalBatch_SetsProducerFieldsAndFlag()
    {
        using var builder = new RecordBatchBuilder
        {
            ProducerId = 123_456_789_012,
            ProducerEpoch = 3,
            BaseSequence = 77,
            IsTransactional = true,
        };
        builder.Append(1, Utf8("k"), Utf8("v"));
        var header = RecordBatch.Read(builder.ToArray()).Header;
        Assert.True(header.IsTransactional);
        Assert.False(header.IsControl);
        Assert.True(header.HasProducerId);
        Assert.Equal(123_456_789_012, header.ProducerId);
        Assert.Equal((short)3, header.ProducerEpoch);
        Assert.Equal(77, header.BaseSequence);
        Assert.Equal(RecordBatchHeader.TransactionalFlag, header.Attributes);
    }

    [Fact]
    public void Build_DefaultBatch_HasNoProducerAndNoFlags()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1, null, Utf8("v"));
        var header = RecordBatch.Read(builder.ToArray()).Header;
        Assert.Equal(0, header.Attributes);
        Assert.False(header.HasProducerId);
        Assert.Equal(-1, header.ProducerId);
        Assert.Equal((short)-1, header.ProducerEpoch);
        Assert.Equal(-1, header.BaseSequence);
        Assert.Equal(-1, header.PartitionLeaderEpoch);
    }

    [Theory]
    [InlineData(ControlRecordType.Commit, 12)]
    [InlineData(ControlRecordType.Abort, 0)]
    public void ControlBatch_CarriesEndTxnMarker(ControlRecordType type, int coordinatorEpoch)
    {
        using var builder = new RecordBatchBuilder
        {
            BaseOffset = 50,
            IsControl = true,
            IsTransactional = true,
            ProducerId = 9,
            ProducerEpoch = 1,
        };
        builder.AppendEndTxnMarker(type, coordinatorEpoch, 1234);
        var bytes = builder.ToArray();
        var batch = RecordBatch.Read(bytes);
        Assert.True(batch.Header.IsControl);
        Assert.True(batch.Header.IsTransactional);
        var record = Assert.Single(Collect(batch));
        Assert.Equal(50, record.Offset);
        Assert.True(ControlRecords.TryReadEndTxnMarker(record, out var readType, out var readEpoch));
        Assert.Equal(type, readType);
        Assert.Equal(coordinatorEpoch, readEpoch);
        // Kafka's layout: key = int16 version 0 + int16 type; value = int16 version 0 + int32 epoch.
        Assert.Equal([0, 0, 0, (byte)type], record.Key.ToArray());
        Assert.Equal(6, record.Value.Length);
        Assert.Equal(coordinatorEpoch, BinaryPrimitives.ReadInt32BigEndian(record.Value.Span[2..]));
    }

    [Fact]
    public void ControlRecords_ReadType_RejectsShortKey()
    {
        Assert.Throws<ProtocolException>(() => ControlRecords.ReadType([0, 0, 1]));
        Assert.Throws<ProtocolException>(() => ControlRecords.ReadEndTxnMarkerCoordinatorEpoch([0, 0, 0, 0, 1]));
        Assert.Throws<ProtocolException>(() => ControlRecords.ReadType([0xFF, 0xFF, 0, 1]));
    }

    [Fact]
    public void AppendEndTxnMarker_OnDataBatch_Throws()
    {
        using var builder = new RecordBatchBuilder();
        Assert.Throws<InvalidOperationException>(() => builder.AppendEndTxnMarker(ControlRecordType.Commit, 0, 0));
    }

    [Fact]
    public void LogAppendTime_EveryRecordTakesTheBatchMaxTimestamp()
    {
        using var builder = new RecordBatchBuilder { TimestampType = TimestampType.LogAppendTime, LogAppendTime = 99_999 };
        builder.Append(10, null, Utf8("a"));
        builder.Append(20, null, Utf8("b"));
        var batch = RecordBatch.Read(builder.ToArray());
        Assert.True(batch.Header.IsLogAppendTime);
        Assert.Equal(99_999, batch.Header.MaxTimestamp);
        Assert.All(Collect(batch), r => Assert.Equal(99_999, r.Timestamp));
        Assert.Equal([0L, 10L], Collect(batch).Select(r => r.TimestampDelta));
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void AppendRecord_CopiesARecordFromAnotherBatch(CompressionType codec)
    {
        using var source = new RecordBatchBuilder();
        source.Append(100, Utf8("k"), null, [RecordHeader.Create("h", Utf8("x"))]);
        source.Append(90, null, Utf8("v"));
        var original = source.ToArray();

        using var copy = new RecordBatchBuilder { BaseOffset = 5, Compression = codec };
        using (var records = RecordBatch.Read(original).OpenRecords())
        {
            foreach (var record in records)
            {
                copy.Append(record);
            }
        }
        var copied = RecordBatch.Read(copy.ToArray());
        using var copiedRecords = copied.OpenRecords();
        var list = new List<Record>();
        foreach (var record in copiedRecords)
        {
            list.Add(record);
        }
        Assert.Equal(2, list.Count);
        Assert.Equal((5L, 100L), (list[0].Offset, list[0].Timestamp));
        Assert.Equal(Utf8("k"), list[0].Key.ToArray());
        Assert.True(list[0].IsValueNull);
        var header = Assert.Single(Enumerate(list[0].Headers));
        Assert.Equal("h", header.KeyString);
        Assert.Equal(Utf8("x"), header.Value.ToArray());
        Assert.Equal((6L, 90L), (list[1].Offset, list[1].Timestamp));
        Assert.True(list[1].IsKeyNull);
        if (codec == CompressionType.None)
        {
            Assert.Equal(original.AsSpan(RecordBatchHeader.Size).ToArray(), copied.RecordsSection.ToArray());
        }
    }

    [Fact]
    public void WriteTo_ProtocolWriter_AppendsAfterExistingBytes_AndBuilderCanWriteTwice()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1, Utf8("k"), Utf8("v"));
        using var writer = new ProtocolWriter();
        writer.WriteInt32(42);
        var first = builder.WriteTo(writer);
        var second = builder.WriteTo(writer);
        Assert.Equal(first, second);
        Assert.Equal(4 + (2 * first), writer.Length);
        var iterator = new RecordBatchIterator(writer.WrittenMemory[4..]);
        var count = 0;
        while (iterator.MoveNext())
        {
            count++;
        }
        Assert.Equal(2, count);
        Assert.Equal(0, iterator.TrailingBytes);
    }

    [Fact]
    public void WriteTo_EmptyBuilder_Throws()
    {
        using var builder = new RecordBatchBuilder();
        Assert.Throws<InvalidOperationException>(() => builder.ToArray());
    }

    [Fact]
    public void Builder_WritesBytesIdenticalToKafkaPythonForTheSameRecords()
    {
        // kafka-python's uncompressed fixture, rebuilt by our writer from its decoded records: the
        // two writers must agree byte for byte (same layout, varints, CRC).
        var original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "records", "kafka-python-none.bin"));
        var batch = RecordBatch.Read(original);
        using var builder = new RecordBatchBuilder { PartitionLeaderEpoch = 0 };
        foreach (var record in batch)
        {
            builder.Append(record);
        }
        Assert.Equal(original, builder.ToArray());
    }

    [Fact]
    public void Iterator_ReadsConcatenatedBatches_AndStopsAtEveryPartialTrailingCut()
    {
        var blob = new List<byte>();
        var sizes = new List<int>();
        foreach (var codec in Enum.GetValues<CompressionType>())
        {
            using var builder = new RecordBatchBuilder { BaseOffset = blob.Count, Compression = codec };
            builder.Append(1, Utf8($"key-{codec}"), Utf8("value"));
            var bytes = builder.ToArray();
            sizes.Add(bytes.Length);
            blob.AddRange(bytes);
        }
        var all = blob.ToArray();
        for (var cut = 0; cut <= all.Length; cut++)
        {
            var iterator = new RecordBatchIterator(all.AsMemory(0, cut));
            var complete = 0;
            while (iterator.MoveNext())
            {
                using var records = iterator.Current.OpenRecords();
                foreach (var record in records)
                {
                    Assert.Equal(Utf8($"key-{iterator.Current.Header.Compression}"), record.Key.ToArray());
                }
                complete++;
            }
            var expectedComplete = 0;
            var consumed = 0;
            while (expectedComplete < sizes.Count && consumed + sizes[expectedComplete] <= cut)
            {
                consumed += sizes[expectedComplete++];
            }
            Assert.Equal(expectedComplete, complete);
            Assert.Equal(consumed, iterator.Position);
            Assert.Equal(cut - consumed, iterator.TrailingBytes);
        }
    }

    [Fact]
    public void Iterator_CompleteButCorruptBatchInTheMiddle_ThrowsRatherThanStopping()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1, null, Utf8("v"));
        var one = builder.ToArray();
        var blob = one.Concat(one).Concat(one).ToArray();
        blob[one.Length + RecordBatchHeader.Size + 2] ^= 0x01; // damage the second batch's records
        var iterator = new RecordBatchIterator(blob);
        Assert.True(iterator.MoveNext());
        Assert.Throws<CorruptRecordException>(() => iterator.MoveNext());

        var badLength = one.Concat(new byte[20]).ToArray(); // trailing bytes whose length field is 0
        var second = new RecordBatchIterator(badLength);
        Assert.True(second.MoveNext());
        Assert.Throws<ProtocolException>(() => second.MoveNext());
    }

    [Fact]
    public void Append_NullArrays_AreWrittenAsNullNotEmpty()
    {
        byte[]? key = null;
        byte[]? value = null;
        using var builder = new RecordBatchBuilder();
        builder.Append(1, key, value);
        builder.Append(2, Array.Empty<byte>(), Array.Empty<byte>());
        var records = Collect(RecordBatch.Read(builder.ToArray()));
        Assert.True(records[0].IsKeyNull);
        Assert.True(records[0].IsValueNull);
        Assert.False(records[1].IsKeyNull);
        Assert.False(records[1].IsValueNull);
    }

    [Fact]
    public void Iterator_SupportsForeach()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1, null, Utf8("v"));
        var one = builder.ToArray();
        var count = 0;
        foreach (var batch in new RecordBatchIterator(one.Concat(one).Concat(one).ToArray()))
        {
            Assert.Equal(1, batch.Header.RecordCount);
            count++;
        }
        Assert.Equal(3, count);
    }

    [Fact]
    public void GetEnumerator_OnCompressedBatch_TellsCallerToOpenRecords()
    {
        using var builder = new RecordBatchBuilder { Compression = CompressionType.Gzip };
        builder.Append(1, null, Utf8("v"));
        var batch = RecordBatch.Read(builder.ToArray());
        Assert.Throws<InvalidOperationException>(() => batch.GetEnumerator());
    }

    private static List<Record> Collect(RecordBatch batch)
    {
        var list = new List<Record>();
        foreach (var record in batch)
        {
            list.Add(record);
        }
        return list;
    }

    private static List<RecordHeader> Enumerate(RecordHeaders headers)
    {
        var list = new List<RecordHeader>();
        foreach (var header in headers)
        {
            list.Add(header);
        }
        return list;
    }
}
