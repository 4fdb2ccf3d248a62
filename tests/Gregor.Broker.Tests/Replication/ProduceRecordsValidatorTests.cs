using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Replication;

public sealed class ProduceRecordsValidatorTests
{
    [Fact]
    public void OneValidBatch_IsAccepted()
    {
        Assert.Equal(ErrorCode.None, ProduceRecordsValidator.Validate(TestBatches.Build(recordCount: 3), 1_000_000).Error);
    }

    [Fact]
    public void TwoBatches_AreRejectedAsInvalidRecord()
    {
        var two = TestBatches.Build().Concat(TestBatches.Build()).ToArray();

        Assert.Equal(ErrorCode.InvalidRecord, ProduceRecordsValidator.Validate(two, 1_000_000).Error);
    }

    [Fact]
    public void TruncatedBatch_IsCorrupt()
    {
        var batch = TestBatches.Build(recordCount: 3);

        Assert.Equal(ErrorCode.CorruptMessage, ProduceRecordsValidator.Validate(batch.AsSpan(0, batch.Length - 1), 1_000_000).Error);
        Assert.Equal(ErrorCode.CorruptMessage, ProduceRecordsValidator.Validate(batch.AsSpan(0, 30), 1_000_000).Error);
    }

    [Fact]
    public void EveryFlippedByteInsideTheCrcRange_IsCorrupt()
    {
        var batch = TestBatches.Build(recordCount: 2);
        for (var i = 21; i < batch.Length; i++)
        {
            var copy = (byte[])batch.Clone();
            copy[i] ^= 0x01;
            var error = ProduceRecordsValidator.Validate(copy, 1_000_000).Error;
            Assert.True(error is ErrorCode.CorruptMessage, $"byte {i}: {error}");
        }
    }

    [Theory]
    [InlineData(0, ErrorCode.None)]
    [InlineData(59_000, ErrorCode.None)]
    [InlineData(61_000, ErrorCode.InvalidTimestamp)]
    [InlineData(-29_000, ErrorCode.None)]
    [InlineData(-31_000, ErrorCode.InvalidTimestamp)]
    public void Timestamps_OutsideTheBeforeAndAfterBounds_AreInvalid(long offsetFromNowMs, ErrorCode expected)
    {
        const long now = 1_800_000_000_000;
        var batch = TestBatches.Build(recordCount: 1, baseTimestamp: now + offsetFromNowMs);

        var (error, _) = ProduceRecordsValidator.Validate(batch, 1_000_000, new TimestampBounds(BeforeMaxMs: 30_000, AfterMaxMs: 60_000, NowMs: now));

        Assert.Equal(expected, error);
    }

    [Fact]
    public void HostileTimestamps_DoNotOverflowTheBoundsCheck()
    {
        var bounds = new TimestampBounds(long.MaxValue - 1, long.MaxValue - 1, 1_800_000_000_000);

        // now - (MinValue + 10) wraps negative in 64-bit arithmetic and would pass the check.
        Assert.Equal(ErrorCode.InvalidTimestamp, ProduceRecordsValidator.Validate(TestBatches.Build(baseTimestamp: long.MinValue + 10), 1_000_000, bounds).Error);
    }
}
