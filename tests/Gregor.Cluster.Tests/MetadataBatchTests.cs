using Gregor.Cluster.Records;
using Gregor.Protocol;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Tests;

public sealed class MetadataBatchTests
{
    [Fact]
    public void Encode_ProducesValidV2BatchWithOffsetsAndEpoch()
    {
        var topicId = Guid.NewGuid();
        var batch = MetadataBatch.Encode(40, 3, 1_700_000_000_000, [new TopicRecord("a", topicId), new RemoveTopicRecord(topicId)]);

        Assert.True(RecordBatchHeader.TryRead(batch, out var header));
        Assert.Equal(40, header.BaseOffset);
        Assert.Equal(41, header.LastOffset);
        Assert.Equal(3, header.PartitionLeaderEpoch);
        Assert.Equal(2, header.RecordCount);
        Assert.Equal(batch.Length, header.TotalSize);
        Assert.True(RecordBatchHeader.IsCrcValid(batch));

        var entries = MetadataBatch.Decode(batch);
        Assert.Equal([40L, 41L], entries.Select(e => e.Offset));
        Assert.Equal(new TopicRecord("a", topicId), entries[0].Record);
        Assert.Equal(new RemoveTopicRecord(topicId), entries[1].Record);
    }

    [Fact]
    public void Decode_FlippedByte_ThrowsCorruptRecord()
    {
        var batch = MetadataBatch.Encode(0, 1, 0, [new FeatureLevelRecord("metadata.version", 21)]);
        batch[^3] ^= 0xFF;

        Assert.Throws<CorruptRecordException>(() => MetadataBatch.Decode(batch));
    }
}
