using Gregor.Broker.Shares;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Broker.Tests.Shares;

public sealed class SharePartitionTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));

    private static AcknowledgementBatch Ack(long first, long last, AcknowledgeType type) => new(first, last, [(byte)type]);

    [Fact]
    public void Acquire_LocksNewRecordsToOneMember_AndCountsTheDelivery()
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, startOffset: 0);

        var first = partition.Acquire("a", 0, 10, maxRecords: 4);
        var second = partition.Acquire("b", 0, 10, maxRecords: 100);

        Assert.Equal([new AcquiredRange(0, 3, 1)], first);
        Assert.Equal([new AcquiredRange(4, 9, 1)], second);
        Assert.Equal(("a", RecordState.Acquired), (partition.StateOf(2).Holder!, partition.StateOf(2).State));
        Assert.Equal(10, partition.EndOffset);
        Assert.Empty(partition.Acquire("c", 0, 10, 100));
    }

    [Fact]
    public void Accept_CompletesRecords_AndAdvancesTheStartOffset()
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, startOffset: 5);
        partition.Acquire("a", 5, 10, 100);

        Assert.Equal(ErrorCode.None, partition.Acknowledge("a", [Ack(5, 7, AcknowledgeType.Accept)]));

        Assert.Equal(8, partition.StartOffset);
        Assert.Equal(2, partition.InFlightCount);
    }

    [Fact]
    public void Release_MakesRecordsAvailableAgain_WithAHigherDeliveryCount()
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, startOffset: 0);
        partition.Acquire("a", 0, 3, 100);

        Assert.Equal(ErrorCode.None, partition.Acknowledge("a", [new AcknowledgementBatch(0, 2, [(byte)AcknowledgeType.Accept, (byte)AcknowledgeType.Release, (byte)AcknowledgeType.Accept])]));

        Assert.Equal(1, partition.NextFetchOffset());
        Assert.Equal([new AcquiredRange(1, 1, 2)], partition.Acquire("b", 1, 3, 100));
    }

    [Fact]
    public void RejectAndGap_ArchiveRecords()
    {
        var archived = new List<long>();
        var partition = new SharePartition(new SharePartitionOptions(), _time, 0, completed: (offset, state, _) =>
        {
            if (state == RecordState.Archived)
            {
                archived.Add(offset);
            }
        });
        partition.Acquire("a", 0, 4, 100);

        Assert.Equal(ErrorCode.None, partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Reject), Ack(1, 2, AcknowledgeType.Gap), Ack(3, 3, AcknowledgeType.Accept)]));

        Assert.Equal([0L, 1L, 2L], archived);
        Assert.Equal(4, partition.StartOffset);
    }

    [Fact]
    public void LockExpiry_ReleasesTheRecord_AndTheFormerHoldersAckIsInvalidRecordState()
    {
        var partition = new SharePartition(new SharePartitionOptions { RecordLockDurationMs = 1000 }, _time, 0);
        partition.Acquire("a", 0, 1, 100);

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(partition.Acquire("b", 0, 1, 100));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([new AcquiredRange(0, 0, 2)], partition.Acquire("b", 0, 1, 100));

        Assert.Equal(ErrorCode.InvalidRecordState, partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Accept)]));
        Assert.Equal(ErrorCode.None, partition.Acknowledge("b", [Ack(0, 0, AcknowledgeType.Accept)]));
    }

    [Fact]
    public void Renew_RestartsTheLock()
    {
        var partition = new SharePartition(new SharePartitionOptions { RecordLockDurationMs = 1000 }, _time, 0);
        partition.Acquire("a", 0, 1, 100);
        _time.Advance(TimeSpan.FromMilliseconds(900));

        Assert.Equal(ErrorCode.None, partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Renew)]));
        _time.Advance(TimeSpan.FromMilliseconds(900));

        Assert.Equal(0, partition.ExpireLocks());
        Assert.Equal(ErrorCode.None, partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Accept)]));
    }

    [Fact]
    public void DeliveryCountLimit_ArchivesTheRecordOnItsLastRelease()
    {
        var partition = new SharePartition(new SharePartitionOptions { DeliveryCountLimit = 2 }, _time, 0);
        partition.Acquire("a", 0, 1, 100);
        partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Release)]);
        Assert.Equal([new AcquiredRange(0, 0, 2)], partition.Acquire("a", 0, 1, 100));

        partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Release)]);

        Assert.Equal(1, partition.StartOffset);
        Assert.Empty(partition.Acquire("a", 0, 1, 100));
    }

    [Fact]
    public void Acknowledge_IsAllOrNothing()
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, 0);
        partition.Acquire("a", 0, 2, 100);
        partition.Acquire("b", 2, 4, 100);

        Assert.Equal(ErrorCode.InvalidRecordState, partition.Acknowledge("a", [Ack(0, 1, AcknowledgeType.Accept), Ack(2, 2, AcknowledgeType.Accept)]));
        Assert.Equal(0, partition.StartOffset);
        Assert.Equal(RecordState.Acquired, partition.StateOf(0).State);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(3, 2)]
    public void Acknowledge_PastTheWindowOrOverlapping_IsInvalidRequest(long first, long last)
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, 0);
        partition.Acquire("a", 0, 5, 100);

        Assert.Equal(ErrorCode.InvalidRequest, partition.Acknowledge("a", [Ack(first, last, AcknowledgeType.Accept)]));
        Assert.Equal(ErrorCode.InvalidRequest, partition.Acknowledge("a", [Ack(0, 2, AcknowledgeType.Accept), Ack(2, 3, AcknowledgeType.Accept)]));
        Assert.Equal(ErrorCode.InvalidRequest, partition.Acknowledge("a", [new AcknowledgementBatch(0, 2, [1, 1])]));
    }

    [Fact]
    public void MaxRecordLocks_BoundsTheWindow()
    {
        var partition = new SharePartition(new SharePartitionOptions { MaxRecordLocks = 3 }, _time, 0);

        Assert.Equal([new AcquiredRange(0, 2, 1)], partition.Acquire("a", 0, 100, 100));
        Assert.Null(partition.NextFetchOffset());
        Assert.Empty(partition.Acquire("b", 3, 100, 100));

        partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Accept)]);
        Assert.Equal(3, partition.NextFetchOffset());
        Assert.Equal([new AcquiredRange(3, 3, 1)], partition.Acquire("b", 3, 100, 100));
    }

    [Fact]
    public void ReleaseMember_GivesBackOnlyThatMembersRecords()
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, 0);
        partition.Acquire("a", 0, 2, 100);
        partition.Acquire("b", 2, 4, 100);

        Assert.Equal(2, partition.ReleaseMember("a"));

        Assert.Equal(RecordState.Available, partition.StateOf(0).State);
        Assert.Equal(RecordState.Acquired, partition.StateOf(2).State);
    }

    [Fact]
    public void Restore_MakesAcquiredRecordsAvailable_WithTheirDeliveryCounts()
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, 0);
        partition.Acquire("a", 0, 4, 100);
        partition.Acknowledge("a", [Ack(1, 1, AcknowledgeType.Accept), Ack(2, 2, AcknowledgeType.Reject)]);

        var restored = new SharePartition(new SharePartitionOptions(), _time, startOffset: 99, restored: partition.Snapshot());

        Assert.Equal(0, restored.StartOffset);
        Assert.Equal([new AcquiredRange(0, 0, 2), new AcquiredRange(3, 3, 2), new AcquiredRange(4, 5, 1)], restored.Acquire("b", 0, 6, 100));
        Assert.Equal(RecordState.Acknowledged, restored.StateOf(1).State);
        Assert.Equal(RecordState.Archived, restored.StateOf(2).State);
    }

    [Fact]
    public void AdvanceToLogStart_ArchivesRecordsThatNoLongerExist()
    {
        var partition = new SharePartition(new SharePartitionOptions(), _time, 0);
        partition.Acquire("a", 0, 4, 100);

        partition.AdvanceToLogStart(2);

        Assert.Equal(2, partition.StartOffset);
        Assert.Equal(ErrorCode.InvalidRecordState, partition.Acknowledge("a", [Ack(1, 1, AcknowledgeType.Accept)]));
        partition.AdvanceToLogStart(50);
        Assert.Equal(50, partition.StartOffset);
        Assert.Equal(50, partition.EndOffset);
    }

    [Fact]
    public void RetryBackoff_DelaysRedeliveryByTheFormula()
    {
        var options = new SharePartitionOptions { RetryBackoffMs = 100, RetryBackoffMultiplier = 3, RetryBackoffMaxMs = 500 };
        var partition = new SharePartition(options, _time, 0);
        long[] expected = [100, 300, 500, 500];
        foreach (var delay in expected)
        {
            Assert.Single(partition.Acquire("a", 0, 1, 1));
            partition.Acknowledge("a", [Ack(0, 0, AcknowledgeType.Release)]);
            _time.Advance(TimeSpan.FromMilliseconds(delay - 1));
            Assert.Empty(partition.Acquire("a", 0, 1, 1));
            Assert.Equal(1, partition.NextFetchOffset());
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, partition.NextFetchOffset());
        }
    }

    [Theory]
    [InlineData(0.0, 80)]
    [InlineData(0.5, 100)]
    [InlineData(0.9999999, 120)]
    public void BackoffDelay_AppliesTheJitterSymmetrically(double random, long expected)
    {
        var options = new SharePartitionOptions { RetryBackoffMs = 100, RetryBackoffJitter = 0.2 };

        Assert.Equal(expected, options.BackoffDelayMs(1, random));
    }

    [Fact]
    public void LockExpiry_IsBackedOffOnlyWhenConfigured()
    {
        var plain = new SharePartition(new SharePartitionOptions { RecordLockDurationMs = 10, RetryBackoffMs = 1000 }, _time, 0);
        var backedOff = new SharePartition(new SharePartitionOptions { RecordLockDurationMs = 10, RetryBackoffMs = 1000, RetryBackoffOnLockTimeout = true }, _time, 0);
        plain.Acquire("a", 0, 1, 1);
        backedOff.Acquire("a", 0, 1, 1);

        _time.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(0, plain.NextFetchOffset());
        Assert.Equal(1, backedOff.NextFetchOffset());
    }
}
