using Gregor.Protocol;

namespace Gregor.Storage.Tests;

public sealed class ProducerStateTests : IDisposable
{
    private static readonly TopicPartition Tp = new("p", 0);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private PartitionLog Open(LogConfig? config = null) => PartitionLog.Open(_dir.Sub("p-0"), Tp, config ?? LogConfig.Default);

    private static byte[] Batch(int records, int seq, short epoch = 0, long pid = 42, bool transactional = false) =>
        TestBatches.Build(records, producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: transactional);

    [Fact]
    public async Task RetriedBatch_ReturnsOriginalOffsetsWithoutWriting()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(TestBatches.Build(2), 0);
        var first = await log.AppendAsLeaderAsync(Batch(3, seq: 0), 0);
        await log.AppendAsLeaderAsync(Batch(2, seq: 3), 0);
        var retry = await log.AppendAsLeaderAsync(Batch(3, seq: 0), 0);
        Assert.True(retry.Duplicate);
        Assert.Equal((first.FirstOffset, first.LastOffset), (retry.FirstOffset, retry.LastOffset));
        Assert.Equal(7, log.LogEndOffset);
    }

    [Fact]
    public async Task SequenceGap_ThrowsOutOfOrderSequence()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(Batch(3, seq: 0), 0);
        await Assert.ThrowsAsync<OutOfOrderSequenceException>(async () => await log.AppendAsLeaderAsync(Batch(1, seq: 5), 0));
        Assert.Equal(3, log.LogEndOffset);
    }

    [Fact]
    public async Task OlderEpoch_ThrowsInvalidProducerEpoch()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(Batch(1, seq: 0, epoch: 3), 0);
        await Assert.ThrowsAsync<InvalidProducerEpochException>(async () => await log.AppendAsLeaderAsync(Batch(1, seq: 1, epoch: 2), 0));
    }

    [Fact]
    public async Task NewEpoch_MustStartAtSequenceZero()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(Batch(1, seq: 0, epoch: 1), 0);
        await Assert.ThrowsAsync<OutOfOrderSequenceException>(async () => await log.AppendAsLeaderAsync(Batch(1, seq: 1, epoch: 2), 0));
        var ok = await log.AppendAsLeaderAsync(Batch(1, seq: 0, epoch: 2), 0);
        Assert.False(ok.Duplicate);
    }

    [Fact]
    public async Task OnlyLastFiveBatchesAreRemembered()
    {
        using var log = Open();
        for (var i = 0; i < 7; i++)
        {
            await log.AppendAsLeaderAsync(Batch(1, seq: i), 0);
        }
        Assert.True((await log.AppendAsLeaderAsync(Batch(1, seq: 2), 0)).Duplicate);
        await Assert.ThrowsAsync<OutOfOrderSequenceException>(async () => await log.AppendAsLeaderAsync(Batch(1, seq: 1), 0));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task State_SurvivesReopen(bool clean)
    {
        var config = LogConfig.Default with { SegmentBytes = 400 };
        var log = Open(config);
        AppendResult original = null!;
        for (var i = 0; i < 10; i++)
        {
            original = await log.AppendAsLeaderAsync(Batch(2, seq: i * 2, epoch: 5), 0);
        }
        if (clean)
        {
            log.Close();
        }
        else
        {
            log.CloseUncleanly();
        }
        using var reopened = Open(config);
        var retry = await reopened.AppendAsLeaderAsync(Batch(2, seq: 18, epoch: 5), 0);
        Assert.True(retry.Duplicate);
        Assert.Equal(original.FirstOffset, retry.FirstOffset);
        var producer = Assert.Single(reopened.ActiveProducers);
        Assert.Equal((42L, (short)5, 19), (producer.ProducerId, producer.ProducerEpoch, producer.LastSequence));
    }

    [Fact]
    public async Task TruncateTo_RestoresStateOfTheKeptPrefix()
    {
        using var log = Open(LogConfig.Default with { SegmentBytes = 300 });
        for (var i = 0; i < 6; i++)
        {
            await log.AppendAsLeaderAsync(Batch(2, seq: i * 2), 0);
        }
        log.TruncateTo(6);
        var next = await log.AppendAsLeaderAsync(Batch(2, seq: 6), 0);
        Assert.Equal(6, next.FirstOffset);
        Assert.False(next.Duplicate);
    }

    [Fact]
    public async Task IdleProducer_IsForgottenAfterExpiration()
    {
        var time = new ManualTime(1_700_000_000_000);
        using var log = PartitionLog.Open(_dir.Sub("p-0"), Tp, LogConfig.Default with { ProducerIdExpirationMs = 60_000, RetentionMs = -1 }, time);
        await log.AppendAsLeaderAsync(Batch(1, seq: 0), 0);
        log.ApplyRetention();
        Assert.Single(log.ActiveProducers);
        time.Advance(120_000);
        log.ApplyRetention();
        Assert.Empty(log.ActiveProducers);
    }

    [Fact]
    public async Task OpenTransaction_SetsFirstUnstableOffsetUntilMarker()
    {
        using var log = Open();
        await log.AppendAsLeaderAsync(TestBatches.Build(2), 0);
        await log.AppendAsLeaderAsync(Batch(2, seq: 0, transactional: true), 0);
        Assert.Equal(2, log.FirstUnstableOffset);
        Assert.Equal(2, Assert.Single(log.ActiveProducers).CurrentTxnStartOffset);
        var marker = TestBatches.Build(1, producerId: 42, producerEpoch: 0, baseSequence: -1, transactional: true);
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(marker.AsSpan(21), (short)(0x10 | 0x20));
        Gregor.Protocol.Records.RecordBatchHeader.WriteCrc(marker);
        await log.AppendAsLeaderAsync(marker, 0);
        Assert.Null(log.FirstUnstableOffset);
    }
}
