using Gregor.Broker.Groups;
using Gregor.Broker.Groups.Records;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Tests.Groups;

public sealed class GroupRecordBatchCodecTests
{
    private static readonly GroupLogRecord[] Records =
    [
        new(new OffsetCommitKey("g", "t", 0).ToBytes(), new OffsetCommitValue(5, -1, "", 1).ToBytes()),
        new(new GroupMetadataKey("g").ToBytes(), null),
    ];

    [Fact]
    public void Encode_WritesAValidV2BatchWithoutProducer()
    {
        var batch = GroupRecordBatchCodec.Encode(Records, 1234);
        Assert.True(RecordBatchHeader.TryRead(batch, out var header));
        Assert.Equal(batch.Length, header.TotalSize);
        Assert.Equal(2, header.RecordCount);
        Assert.Equal(1, header.LastOffsetDelta);
        Assert.Equal(1234, header.MaxTimestamp);
        Assert.False(header.HasProducerId);
        Assert.Equal(CompressionType.None, header.Compression);
        Assert.True(RecordBatchHeader.IsCrcValid(batch));
    }

    [Fact]
    public void Decode_ReturnsKeysValuesAndTombstones_AndStopsAtAPartialBatch()
    {
        var first = GroupRecordBatchCodec.Encode(Records, 1);
        var second = GroupRecordBatchCodec.Encode(Records, 2);
        RecordBatchHeader.WriteBaseOffset(second, 2);
        var bytes = first.Concat(second).ToArray();

        var all = GroupRecordBatchCodec.Decode(bytes, out var next);
        Assert.Equal(4, all.Count);
        Assert.Equal(4, next);
        Assert.Equal(Records[0].Key, all[0].Key);
        Assert.Equal(Records[0].Value, all[0].Value);
        Assert.Null(all[1].Value);

        var partial = GroupRecordBatchCodec.Decode(bytes.AsMemory(0, bytes.Length - 3), out next);
        Assert.Equal(2, partial.Count);
        Assert.Equal(2, next);
    }
}
