using System.Buffers.Binary;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Tests.Replication;

public sealed class ProduceRecordsValidatorTests
{
    [Fact]
    public void OneValidBatch_IsAccepted()
    {
        Assert.Equal(ErrorCode.None, Validate(TestBatches.Create(recordCount: 3), 1_000_000));
    }

    [Fact]
    public void TwoBatches_AreRejectedAsInvalidRecord()
    {
        var two = TestBatches.Create().Concat(TestBatches.Create()).ToArray();

        Assert.Equal(ErrorCode.InvalidRecord, Validate(two, 1_000_000));
    }

    [Fact]
    public void TruncatedBatch_IsCorrupt()
    {
        var batch = TestBatches.Create(recordCount: 3);

        Assert.Equal(ErrorCode.CorruptMessage, Validate(batch.AsSpan(0, batch.Length - 1), 1_000_000));
        Assert.Equal(ErrorCode.CorruptMessage, Validate(batch.AsSpan(0, 30), 1_000_000));
    }

    [Fact]
    public void EveryFlippedByteInsideTheCrcRange_IsCorrupt()
    {
        var batch = TestBatches.Create(recordCount: 2);
        for (var i = 21; i < batch.Length; i++)
        {
            var copy = (byte[])batch.Clone();
            copy[i] ^= 0x01;
            var error = Validate(copy, 1_000_000);
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
        var batch = TestBatches.Create(recordCount: 1, baseTimestamp: now + offsetFromNowMs);

        var error = Validate(batch, 1_000_000, now, beforeMaxMs: 30_000, afterMaxMs: 60_000);

        Assert.Equal(expected, error);
    }

    [Fact]
    public void HostileTimestamps_DoNotOverflowTheBoundsCheck()
    {
        // now - (MinValue + 10) wraps negative in 64-bit arithmetic and would pass the check.
        Assert.Equal(ErrorCode.InvalidTimestamp, Validate(TestBatches.Create(baseTimestamp: long.MinValue + 10), 1_000_000, 1_800_000_000_000, long.MaxValue - 1, long.MaxValue - 1));
    }

    [Fact]
    public void MalformedHeaders_KeepTheirErrorCodes()
    {
        var tooLarge = TestBatches.Create(recordCount: 3);
        Assert.Equal(ErrorCode.MessageTooLarge, Validate(tooLarge, tooLarge.Length - 1));
        Assert.Equal(ErrorCode.None, Validate(tooLarge, tooLarge.Length));

        var badMagic = TestBatches.Create();
        badMagic[16] = 1;
        Assert.Equal(ErrorCode.CorruptMessage, Validate(badMagic, 1_000_000));

        var shortLength = TestBatches.Create();
        BinaryPrimitives.WriteInt32BigEndian(shortLength.AsSpan(8), 10);
        Assert.Equal(ErrorCode.CorruptMessage, Validate(shortLength, 1_000_000));

        var miscounted = TestBatches.Create(recordCount: 3);
        BinaryPrimitives.WriteInt32BigEndian(miscounted.AsSpan(57), 2);
        RecordBatchHeader.WriteCrc(miscounted);
        Assert.Equal(ErrorCode.InvalidRecord, Validate(miscounted, 1_000_000));

        var control = TestBatches.Create();
        BinaryPrimitives.WriteInt16BigEndian(control.AsSpan(21), RecordBatchHeader.ControlFlag);
        RecordBatchHeader.WriteCrc(control);
        Assert.Equal(ErrorCode.InvalidRecord, Validate(control, 1_000_000));

        Assert.Equal(ErrorCode.InvalidRecord, Validate([], 1_000_000));
    }

    [Fact]
    public void AValidBatch_CarriesItsHeaderFields()
    {
        var bytes = TestBatches.Create(recordCount: 4, baseTimestamp: 1_800_000_000_000);
        RecordBatchHeader.TryRead(bytes, out var header);
        var limits = new ProduceLimits(1_000_000, LogAppendTime: false, long.MaxValue, long.MaxValue);

        var (error, _) = ProduceRecordsValidator.Validate(bytes, limits, 1_800_000_000_000, out var batch);

        Assert.Equal(ErrorCode.None, error);
        Assert.Equal(bytes.Length, batch.Size);
        Assert.Equal(4, batch.RecordCount);
        Assert.Equal(3, batch.LastOffsetDelta);
        Assert.Equal(header.ProducerId, batch.ProducerId);
        Assert.Equal(header.ProducerEpoch, batch.ProducerEpoch);
        Assert.Equal(header.BaseSequence, batch.BaseSequence);
        Assert.Equal(1_800_000_000_000, batch.FirstTimestamp);
        Assert.Equal(header.MaxTimestamp, batch.MaxTimestamp);
        Assert.Equal(header.Compression, batch.Compression);
        Assert.Equal(TimestampType.CreateTime, batch.TimestampType);
        Assert.False(batch.IsControl);
        Assert.False(batch.IsTransactional);
    }

    private static ErrorCode Validate(ReadOnlySpan<byte> records, int maxMessageBytes, long nowMs = 0, long? beforeMaxMs = null, long? afterMaxMs = null)
    {
        // No bounds given: LogAppendTime semantics (timestamps unchecked), as the old overload without bounds.
        var limits = new ProduceLimits(maxMessageBytes, LogAppendTime: beforeMaxMs is null, beforeMaxMs ?? long.MaxValue, afterMaxMs ?? long.MaxValue);
        return ProduceRecordsValidator.Validate(records, limits, nowMs, out _).Error;
    }
}
