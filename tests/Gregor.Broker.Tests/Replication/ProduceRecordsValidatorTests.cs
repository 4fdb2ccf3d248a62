using Gregor.Broker.Replication;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Replication;

public sealed class ProduceRecordsValidatorTests
{
    [Fact]
    public void OneValidBatch_IsAccepted()
    {
        Assert.Equal(ErrorCode.None, ProduceRecordsValidator.Validate(TestBatches.Create(recordCount: 3), 1_000_000).Error);
    }

    [Fact]
    public void TwoBatches_AreRejectedAsInvalidRecord()
    {
        var two = TestBatches.Create().Concat(TestBatches.Create()).ToArray();

        Assert.Equal(ErrorCode.InvalidRecord, ProduceRecordsValidator.Validate(two, 1_000_000).Error);
    }

    [Fact]
    public void TruncatedBatch_IsCorrupt()
    {
        var batch = TestBatches.Create(recordCount: 3);

        Assert.Equal(ErrorCode.CorruptMessage, ProduceRecordsValidator.Validate(batch.AsSpan(0, batch.Length - 1), 1_000_000).Error);
        Assert.Equal(ErrorCode.CorruptMessage, ProduceRecordsValidator.Validate(batch.AsSpan(0, 30), 1_000_000).Error);
    }

    [Fact]
    public void EveryFlippedByteInsideTheCrcRange_IsCorrupt()
    {
        var batch = TestBatches.Create(recordCount: 2);
        for (var i = 21; i < batch.Length; i++)
        {
            var copy = (byte[])batch.Clone();
            copy[i] ^= 0x01;
            var error = ProduceRecordsValidator.Validate(copy, 1_000_000).Error;
            Assert.True(error is ErrorCode.CorruptMessage, $"byte {i}: {error}");
        }
    }
}
