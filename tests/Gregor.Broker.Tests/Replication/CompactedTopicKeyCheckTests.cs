using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Tests.Replication;

public sealed class CompactedTopicKeyCheckTests
{
    private const long Timestamp = 1_700_000_000_000;

    private static readonly TopicPartition Partition = new("compacted", 3);

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Lz4)]
    public void EveryRecordWithAKey_IsAccepted(CompressionType compression)
    {
        var (error, message, recordErrors) = CompactedTopicKeyCheck.Check(TestBatches.Keyed(compression, Timestamp, "a", "b", "c"), Partition);

        Assert.Equal(ErrorCode.None, error);
        Assert.Null(message);
        Assert.Null(recordErrors);
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Zstd)]
    public void KeylessRecords_AreInvalidRecord_EachNamedByItsBatchIndex(CompressionType compression)
    {
        var (error, message, recordErrors) = CompactedTopicKeyCheck.Check(TestBatches.Keyed(compression, Timestamp, "a", null, "c", null, null, null), Partition);

        Assert.Equal(ErrorCode.InvalidRecord, error);
        Assert.Equal([1, 3, 4, 5], recordErrors!.Select(e => e.BatchIndex));
        Assert.All(recordErrors!, e => Assert.Equal("Compacted topic cannot accept message without key in topic partition compacted-3.", e.Message));
        // Kafka's summary: the count, then at most three of the errors.
        Assert.StartsWith("One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='Compacted topic cannot accept message without key", message, StringComparison.Ordinal);
        Assert.Contains("RecordError(batchIndex=4,", message, StringComparison.Ordinal);
        Assert.DoesNotContain("batchIndex=5", message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyKey_IsAKey()
    {
        using var builder = new RecordBatchBuilder();
        builder.Append(1_700_000_000_000, Array.Empty<byte>(), "value"u8.ToArray());

        Assert.Equal(ErrorCode.None, CompactedTopicKeyCheck.Check(builder.ToArray(), Partition).Error);
    }

    [Fact]
    public void CompressedRecordsThatDoNotDecompress_AreCorruptMessage()
    {
        var batch = TestBatches.Keyed(CompressionType.Gzip, Timestamp, "a", "b");
        // Damage the compressed section (after the 61-byte header); the CRC is not this check's job.
        batch[RecordBatchHeader.Size + 12] ^= 0xFF;
        batch[RecordBatchHeader.Size + 13] ^= 0xFF;

        Assert.Equal(ErrorCode.CorruptMessage, CompactedTopicKeyCheck.Check(batch, Partition).Error);
    }

    [Fact]
    public void DecompressionBeyondTheBound_IsCorruptMessage_NotAnUnboundedAllocation()
    {
        var batch = TestBatches.Keyed(CompressionType.Gzip, Timestamp, "a", "b", "c", "d");

        Assert.Equal(ErrorCode.CorruptMessage, CompactedTopicKeyCheck.Check(batch, Partition, maxDecompressedBytes: 16).Error);
    }
}
