using Gregor.Protocol;
using Gregor.Protocol.Records;

namespace Gregor.Storage.Tests;

public sealed class PartitionLogTests : IDisposable
{
    private static readonly TopicPartition Tp = new("orders", 0);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private PartitionLog Open(LogConfig? config = null) => PartitionLog.Open(_dir.Sub("orders-0"), Tp, config ?? LogConfig.Default);

    private static byte[] ReadAll(PartitionLog log, long from = 0)
    {
        using var result = log.Read(from, int.MaxValue, long.MaxValue);
        return result.ToArray();
    }

    [Fact]
    public async Task Append_AssignsConsecutiveOffsetsFromLogEnd()
    {
        using var log = Open();
        var first = await log.AppendAsLeaderAsync(TestBatches.Build(3), leaderEpoch: 1);
        var second = await log.AppendAsLeaderAsync(TestBatches.Build(2, baseOffset: 999), leaderEpoch: 1);
        Assert.Equal((0L, 2L), (first.FirstOffset, first.LastOffset));
        Assert.Equal((3L, 4L), (second.FirstOffset, second.LastOffset));
        Assert.Equal(5, log.LogEndOffset);
        Assert.Equal(-1, first.LogAppendTime);
        Assert.Equal([(0L, 2L, 3), (3L, 4L, 2)], TestBatches.Parse(ReadAll(log)));
    }

    [Fact]
    public async Task Append_SeveralBatchesInOneCall_AssignsEachItsOffsets()
    {
        using var log = Open();
        var result = await log.AppendAsLeaderAsync(TestBatches.Concat(TestBatches.Build(2), TestBatches.Build(4)), 0);
        Assert.Equal((0L, 5L), (result.FirstOffset, result.LastOffset));
        Assert.Equal([(0L, 1L, 2), (2L, 5L, 4)], TestBatches.Parse(ReadAll(log)));
    }

    [Fact]
    public async Task Append_PatchesLeaderEpochIntoBatch()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(TestBatches.Build(1), leaderEpoch: 7);
        var bytes = ReadAll(log);
        Gregor.Protocol.Records.RecordBatchHeader.TryRead(bytes, out var header);
        Assert.Equal(7, header.PartitionLeaderEpoch);
        Assert.Equal(7, log.LatestEpoch);
    }

    [Fact]
    public async Task Append_WithLogAppendTime_StampsMaxTimestampAndKeepsCrcValid()
    {
        var time = new ManualTime(1_800_000_000_000);
        using var log = PartitionLog.Open(_dir.Sub("orders-0"), Tp, LogConfig.Default with { MessageTimestampType = TimestampType.LogAppendTime }, time);
        var result = await log.AppendAsLeaderAsync(TestBatches.Build(2), 0);
        Assert.Equal(1_800_000_000_000, result.LogAppendTime);
        var bytes = ReadAll(log);
        Gregor.Protocol.Records.RecordBatchHeader.TryRead(bytes, out var header);
        Assert.True(header.IsLogAppendTime);
        Assert.Equal(1_800_000_000_000, header.MaxTimestamp);
        Assert.True(Gregor.Protocol.Records.RecordBatchHeader.IsCrcValid(bytes));
    }

    [Fact]
    public async Task Append_WithBadCrc_ThrowsCorruptRecordAndWritesNothing()
    {
        using var log = Open();
        var batch = TestBatches.Build(2);
        batch[^1] ^= 0xFF;
        await Assert.ThrowsAsync<CorruptRecordException>(async () => await log.AppendAsLeaderAsync(batch, 0));
        Assert.Equal(0, log.LogEndOffset);
        Assert.Equal(0, log.Size);
    }

    [Fact]
    public async Task AppendValidated_ConsumesTheValidatedHeader_WithoutParsingOrChecksummingAgain()
    {
        using var log = Open();
        var bytes = TestBatches.Build(2);
        var rules = new RecordBatchRules(int.MaxValue, AsLeader: true);
        Assert.Equal(RecordBatchDefect.None, RecordBatchValidator.Validate(bytes, rules, out var batch, out _));
        // Corrupt the bytes after validation: the append trusts the validated batch (one CRC pass,
        // one header parse), so it takes them as they are, offsets and index from the header.
        bytes[17] ^= 0xFF;
        var result = await log.AppendAsLeaderAsync(bytes, batch, 0);
        Assert.Equal(0, result.FirstOffset);
        Assert.Equal(1, result.LastOffset);
        Assert.Equal(2, log.LogEndOffset);

        // Bytes that are not the validated batch, or no validated batch at all, are refused.
        var other = TestBatches.Build(3);
        await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsLeaderAsync(other, batch, 0));
        await Assert.ThrowsAsync<ArgumentException>(async () => await log.AppendAsLeaderAsync(other, default(ValidatedBatch), 0));
        Assert.Equal(2, log.LogEndOffset);
    }

    [Fact]
    public async Task Append_WithRecordCountNotMatchingOffsetDelta_ThrowsInvalidRecord()
    {
        using var log = Open();
        var batch = TestBatches.Build(3);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(57), 2);
        Gregor.Protocol.Records.RecordBatchHeader.WriteCrc(batch);
        await Assert.ThrowsAsync<InvalidRecordException>(async () => await log.AppendAsLeaderAsync(batch, 0));
    }

    [Fact]
    public async Task Append_TruncatedBatch_ThrowsInvalidRecord()
    {
        using var log = Open();
        var batch = TestBatches.Build(3);
        await Assert.ThrowsAsync<InvalidRecordException>(async () => await log.AppendAsLeaderAsync(batch.AsMemory(0, batch.Length - 1), 0));
        await Assert.ThrowsAsync<InvalidRecordException>(async () => await log.AppendAsLeaderAsync(batch.AsMemory(0, 30), 0));
    }

    [Fact]
    public async Task Append_BatchOverMaxMessageBytes_ThrowsRecordTooLarge()
    {
        using var log = Open(LogConfig.Default with { MaxMessageBytes = 200 });
        await Assert.ThrowsAsync<RecordTooLargeException>(async () => await log.AppendAsLeaderAsync(TestBatches.Build(10, valueSize: 50), 0));
    }

    [Fact]
    public async Task Append_PastSegmentBytes_RollsNewSegmentAtNextOffset()
    {
        using var log = Open(LogConfig.Default with { SegmentBytes = 1000 });
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(5, valueSize: 20), 0);
        }
        Assert.True(log.SegmentCount > 1);
        var bases = log.SegmentBaseOffsets;
        Assert.Equal(0, bases[0]);
        Assert.All(bases, b => Assert.Equal(0, b % 5));
        Assert.Equal(50, TestBatches.Parse(ReadAll(log)).Sum(b => b.Records));
        Assert.True(File.Exists(Path.Combine(log.Directory, "00000000000000000000.log")));
        Assert.True(File.Exists(Path.Combine(log.Directory, $"{bases[1]:D20}.snapshot")));
    }

    [Fact]
    public async Task Append_AfterSegmentMs_Rolls()
    {
        var time = new ManualTime(1_000_000);
        using var log = PartitionLog.Open(_dir.Sub("orders-0"), Tp, LogConfig.Default with { SegmentMs = 1000 }, time);
        await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
        time.Advance(500);
        await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
        Assert.Equal(1, log.SegmentCount);
        time.Advance(600);
        await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
        Assert.Equal([0L, 2L], log.SegmentBaseOffsets);
    }

    [Fact]
    public async Task Read_FromMiddleOfBatch_ReturnsWholeBatchHoldingOffset()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(TestBatches.Build(5), 0);
        await log.AppendAsLeaderAsync(TestBatches.Build(5), 0);
        using var result = log.Read(7, 1 << 20, long.MaxValue);
        Assert.Equal(5, result.FirstOffset);
        Assert.Equal([(5L, 9L, 5)], TestBatches.Parse(result.ToArray()));
    }

    [Fact]
    public async Task Read_FirstBatchLargerThanMaxBytes_IsReturnedWhole()
    {
        using var log = Open();
        var big = TestBatches.Build(10, valueSize: 100);
        await log.AppendAsLeaderAsync(big, 0);
        await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
        using var result = log.Read(0, 10, long.MaxValue);
        Assert.Equal(big.Length, result.TotalBytes);
        using var none = log.Read(0, 10, long.MaxValue, minOneBatch: false);
        Assert.Equal(0, none.TotalBytes);
    }

    [Fact]
    public async Task Read_StopsBeforeBatchesAtOrAboveMaxOffset()
    {
        using var log = Open();
        for (var i = 0; i < 4; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2), 0);
        }
        using var result = log.Read(0, 1 << 20, maxOffsetExclusive: 4);
        Assert.Equal([(0L, 1L, 2), (2L, 3L, 2)], TestBatches.Parse(result.ToArray()));
        using var empty = log.Read(4, 1 << 20, maxOffsetExclusive: 4);
        Assert.Equal(0, empty.TotalBytes);
        Assert.Equal(-1, empty.FirstOffset);
    }

    [Fact]
    public async Task Read_RespectsMaxBytesAtBatchBoundaries()
    {
        using var log = Open(LogConfig.Default with { IndexIntervalBytes = 100 });
        var sizes = new List<int>();
        for (var i = 0; i < 50; i++)
        {
            var batch = TestBatches.Build(3, valueSize: 30);
            sizes.Add(batch.Length);
            await log.AppendAsLeaderAsync(batch, 0);
        }
        var budget = sizes[0] * 7 + 5;
        using var result = log.Read(0, budget, long.MaxValue);
        Assert.Equal(sizes[0] * 7, result.TotalBytes);
        Assert.Equal(7, TestBatches.Parse(result.ToArray()).Count);
    }

    [Fact]
    public async Task Read_AcrossSegments_ContinuesIntoNextSegment()
    {
        using var log = Open(LogConfig.Default with { SegmentBytes = 500 });
        for (var i = 0; i < 20; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
        }
        Assert.True(log.SegmentCount > 2);
        var all = TestBatches.Parse(ReadAll(log));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => ((long)i * 2, (long)i * 2 + 1, 2)), all);
    }

    [Fact]
    public async Task Read_OutsideLog_ThrowsOffsetOutOfRange()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(TestBatches.Build(2), 0);
        Assert.Throws<OffsetOutOfRangeException>(() => log.Read(3, 100, long.MaxValue));
        Assert.Throws<OffsetOutOfRangeException>(() => log.Read(-1, 100, long.MaxValue));
        using var atEnd = log.Read(2, 100, long.MaxValue);
        Assert.Equal(0, atEnd.TotalBytes);
    }

    [Fact]
    public async Task Read_ResultKeepsDeletedSegmentReadableUntilDisposed()
    {
        using var log = Open(LogConfig.Default with { SegmentBytes = 300 });
        for (var i = 0; i < 6; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
        }
        var result = log.Read(0, 1 << 20, long.MaxValue);
        var expected = result.ToArray();
        log.DeleteRecordsBefore(log.LogEndOffset);
        Assert.Equal(expected, result.ToArray());
        result.Dispose();
        Assert.Throws<OffsetOutOfRangeException>(() => log.Read(0, 100, long.MaxValue));
    }

    [Fact]
    public async Task CloseAndReopen_KeepsEverythingAndSkipsRecovery()
    {
        byte[] before;
        using (var log = Open(LogConfig.Default with { SegmentBytes = 400 }))
        {
            for (var i = 0; i < 10; i++)
            {
                await log.AppendAsLeaderAsync(TestBatches.Build(3, valueSize: 30), 2);
            }
            before = ReadAll(log);
        }
        using var reopened = Open(LogConfig.Default with { SegmentBytes = 400 });
        Assert.True(reopened.WasCleanShutdown);
        Assert.Equal(30, reopened.LogEndOffset);
        Assert.Equal(before, ReadAll(reopened));
        Assert.Equal(2, reopened.LatestEpoch);
        var next = await reopened.AppendAsLeaderAsync(TestBatches.Build(1), 2);
        Assert.Equal(30, next.FirstOffset);
    }

    [Fact]
    public async Task UncleanReopen_RecoversAllWholeBatches()
    {
        var config = LogConfig.Default with { SegmentBytes = 400 };
        var log = Open(config);
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(3, valueSize: 30), 0);
        }
        var before = ReadAll(log);
        log.CloseUncleanly();
        using var reopened = Open(config);
        Assert.False(reopened.WasCleanShutdown);
        Assert.Equal(30, reopened.LogEndOffset);
        Assert.Equal(before, ReadAll(reopened));
    }

    [Fact]
    public async Task UncleanReopen_WithMissingIndexes_RebuildsThemAndReadsFromMiddle()
    {
        var config = LogConfig.Default with { IndexIntervalBytes = 50 };
        var log = Open(config);
        for (var i = 0; i < 40; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 30), 0);
        }
        log.CloseUncleanly();
        File.Delete(Path.Combine(_dir.Sub("orders-0"), "00000000000000000000.index"));
        File.Delete(Path.Combine(_dir.Sub("orders-0"), "00000000000000000000.timeindex"));
        using var reopened = Open(config);
        using var result = reopened.Read(61, 1, long.MaxValue);
        Assert.Equal([(60L, 61L, 2)], TestBatches.Parse(result.ToArray()));
        Assert.True(new FileInfo(Path.Combine(_dir.Sub("orders-0"), "00000000000000000000.index")).Length > 0);
    }

    [Fact]
    public async Task TruncateTo_DropsBatchesFromOffsetAndAppendsContinueThere()
    {
        using var log = Open(LogConfig.Default with { SegmentBytes = 300 });
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), i);
        }
        log.TruncateTo(8);
        Assert.Equal(8, log.LogEndOffset);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => ((long)i * 2, (long)i * 2 + 1, 2)), TestBatches.Parse(ReadAll(log)));
        Assert.Equal(3, log.LatestEpoch);
        var next = await log.AppendAsLeaderAsync(TestBatches.Build(1), 11);
        Assert.Equal(8, next.FirstOffset);
    }

    [Fact]
    public async Task TruncateFullyAndStartAt_EmptiesLogAtNewOffset()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(TestBatches.Build(5), 0);
        log.TruncateFullyAndStartAt(100);
        Assert.Equal((100L, 100L), (log.LogStartOffset, log.LogEndOffset));
        var next = await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
        Assert.Equal(100, next.FirstOffset);
        Assert.Equal([100L], log.SegmentBaseOffsets);
    }

    [Fact]
    public async Task DeleteRecordsBefore_AdvancesLogStartAndDropsWholeSegments()
    {
        using var log = Open(LogConfig.Default with { SegmentBytes = 300 });
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
        }
        var segments = log.SegmentCount;
        Assert.Equal(9, log.DeleteRecordsBefore(9));
        Assert.Equal(9, log.LogStartOffset);
        Assert.True(log.SegmentCount < segments);
        Assert.Throws<OffsetOutOfRangeException>(() => log.Read(8, 100, long.MaxValue));
        using var result = log.Read(9, 1 << 20, long.MaxValue);
        Assert.Equal(8, result.FirstOffset);
        Assert.Throws<OffsetOutOfRangeException>(() => log.DeleteRecordsBefore(21));
    }

    [Fact]
    public async Task LogStartOffset_SurvivesCleanReopen()
    {
        using (var log = Open())
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(5), 0);
            log.DeleteRecordsBefore(3);
        }
        using var reopened = Open();
        Assert.Equal(3, reopened.LogStartOffset);
    }

    [Fact]
    public async Task FollowerAppend_KeepsGivenOffsetsAndRejectsOverlap()
    {
        using var log = Open();
        var result = await log.AppendAsFollowerAsync(TestBatches.Concat(TestBatches.Build(3, baseOffset: 0), TestBatches.Build(2, baseOffset: 3)));
        Assert.Equal((0L, 4L), (result.FirstOffset, result.LastOffset));
        await Assert.ThrowsAsync<InvalidRecordException>(async () => await log.AppendAsFollowerAsync(TestBatches.Build(2, baseOffset: 4)));
        var gap = await log.AppendAsFollowerAsync(TestBatches.Build(2, baseOffset: 10));
        Assert.Equal(10, gap.FirstOffset);
        Assert.Equal(12, log.LogEndOffset);
    }

    [Fact]
    public async Task FindOffsetByTimestamp_ReturnsFirstRecordAtOrAfterTimestamp()
    {
        using var log = Open(LogConfig.Default with { IndexIntervalBytes = 10 });
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(5, baseTimestamp: 1000 + (i * 100)), 0);
        }
        Assert.Equal((32L, 1602L), log.FindOffsetByTimestamp(1602));
        Assert.Equal((0L, 1000L), log.FindOffsetByTimestamp(0));
        Assert.Null(log.FindOffsetByTimestamp(5000));
        Assert.Equal((49L, 1904L), log.MaxTimestampOffset());
    }

    [Fact]
    public async Task Retention_ByBytes_DeletesOldestSegmentsOnly()
    {
        using var log = Open(LogConfig.Default with { SegmentBytes = 300, RetentionBytes = 600, RetentionMs = -1 });
        for (var i = 0; i < 20; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
        }
        var deleted = log.ApplyRetention();
        Assert.True(deleted > 0);
        Assert.True(log.Size >= 600 - 300 && log.Size - log.SegmentBaseOffsets.Count < 900);
        Assert.Equal(log.SegmentBaseOffsets[0], log.LogStartOffset);
        Assert.Equal(40, log.LogEndOffset);
    }

    [Fact]
    public async Task Retention_ByTime_DeletesExpiredSegmentsAndKeepsLogEnd()
    {
        var time = new ManualTime(1_700_000_030_000);
        using var log = PartitionLog.Open(_dir.Sub("orders-0"), Tp, LogConfig.Default with { SegmentBytes = 300, RetentionMs = 60_000 }, time);
        for (var i = 0; i < 6; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40, baseTimestamp: 1_700_000_000_000), 0);
        }
        Assert.Equal(0, log.ApplyRetention());
        time.Advance(200_000);
        Assert.True(log.ApplyRetention() > 0);
        Assert.Equal(12, log.LogStartOffset);
        Assert.Equal(12, log.LogEndOffset);
        var next = await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
        Assert.Equal(12, next.FirstOffset);
    }

    [Fact]
    public async Task GroupCommit_ConcurrentAppenders_ShareFsyncs()
    {
        using var log = Open(LogConfig.Default with { FlushMode = FlushMode.GroupCommit });
        var tasks = Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await log.AppendAsLeaderAsync(TestBatches.Build(1), 0))).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (long)i), results.Select(r => r.FirstOffset).Order());
        Assert.True(log.DurableOffset >= 64);
        Assert.InRange(log.GroupCommitFlushes, 1, 63);
    }

    [Fact]
    public async Task FlushMessages_FlushesWhenCountReached()
    {
        using var log = Open(LogConfig.Default with { FlushMessages = 5, FlushMode = FlushMode.Interval });
        await log.AppendAsLeaderAsync(TestBatches.Build(3), 0);
        Assert.Equal(0, log.RecoveryPoint);
        await log.AppendAsLeaderAsync(TestBatches.Build(3), 0);
        Assert.Equal(6, log.RecoveryPoint);
    }
}
