using Gregor.Cluster.Partitions;
using Gregor.Cluster.Purgatory;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Broker.Tests.Replication;

/// <summary>The replica manager's delayed fetches and acks=all produces, through its purgatories.</summary>
public sealed class DelayedOperationsTests : IDisposable
{
    private readonly TestMetadataPublisher _metadata = new();
    private readonly InMemoryReplicaLogProvider _logs = new();
    private readonly ReplicaManager _replicas;

    public DelayedOperationsTests()
    {
        _replicas = new ReplicaManager(_metadata, _logs, new ReplicaManagerOptions(NodeId: 1, MessageMaxBytes: 10_000, MaxDelayedFetches: 2));
        _replicas.Open();
    }

    public void Dispose() => _replicas.Dispose();

    private static readonly TopicPartition Tp = new("t", 0);

    private static FetchRequestSpec Fetch(long offset, int minBytes, int maxWaitMs = 30_000) =>
        new(maxWaitMs, minBytes, 50_000_000, 0, [new FetchPartitionSpec(new FetchPartitionKey(Guid.Empty, "t", 0), offset, 1_000_000)]);

    [Fact]
    public async Task DelayedFetch_CountsAppendedBytesWithoutReading_AndReadsOnceWhenMinBytesIsReached()
    {
        _metadata.AddTopic("t", 1);
        var batch = TestBatches.Create(valueSize: 100);
        var log = _logs.Logs[Tp];
        var fetch = _replicas.FetchAsync(Fetch(0, minBytes: (3 * batch.Length) - 1), TestContext.Current.CancellationToken).AsTask();
        await Eventually.TrueAsync(() => _replicas.DelayedFetches.WatcherCount(Tp) == 1);
        var readsWhileWaiting = log.Reads;

        await _replicas.AppendRecordsAsync(Tp, TestBatches.Create(valueSize: 100), TestContext.Current.CancellationToken);
        await _replicas.AppendRecordsAsync(Tp, TestBatches.Create(valueSize: 100), TestContext.Current.CancellationToken);
        Assert.False(fetch.IsCompleted);
        Assert.Equal(readsWhileWaiting, log.Reads); // appends were counted, not read
        await _replicas.AppendRecordsAsync(Tp, TestBatches.Create(valueSize: 100), TestContext.Current.CancellationToken);
        using var fetched = await fetch.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(3 * batch.Length, Assert.Single(fetched.Partitions).RecordBytes);
        Assert.Equal(readsWhileWaiting + 1, log.Reads);
        Assert.Equal(0, _replicas.DelayedFetches.Count);
    }

    [Fact]
    public async Task DelayedFetch_IsCancelledWithItsConnection()
    {
        _metadata.AddTopic("t", 1);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var fetch = _replicas.FetchAsync(Fetch(0, minBytes: 1), connection.Token).AsTask();
        await Eventually.TrueAsync(() => _replicas.DelayedFetches.Count == 1);

        await connection.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(0, _replicas.DelayedFetches.Count);
        Assert.Equal(0, _replicas.DelayedFetches.WatcherCount(Tp));
    }

    [Fact]
    public async Task DelayedFetches_BeyondTheBound_AnswerAtOnceWithWhatTheyHave()
    {
        _metadata.AddTopic("t", 1);
        var waiting = new[]
        {
            _replicas.FetchAsync(Fetch(0, minBytes: 1), TestContext.Current.CancellationToken).AsTask(),
            _replicas.FetchAsync(Fetch(0, minBytes: 1), TestContext.Current.CancellationToken).AsTask(),
        };
        await Eventually.TrueAsync(() => _replicas.DelayedFetches.Count == 2);

        using var third = await _replicas.FetchAsync(Fetch(0, minBytes: 1), TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(0, Assert.Single(third.Partitions).RecordBytes);
        Assert.Equal(1, _replicas.DelayedFetches.Overflowed);
        await _replicas.AppendRecordsAsync(Tp, TestBatches.Create(), TestContext.Current.CancellationToken);
        foreach (var fetch in waiting)
        {
            using var done = await fetch.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.True(Assert.Single(done.Partitions).RecordBytes > 0);
        }
    }

    [Fact]
    public async Task AcksAll_OnASingleNode_CompletesAsSoonAsTheAppendReturned()
    {
        _metadata.AddTopic("t", 1);

        var result = await _replicas.AppendRecordsAsync(Tp, TestBatches.Create(recordCount: 2), requiredAcks: -1, TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorCode.None, 0L), (result.Error, result.BaseOffset));
        Assert.Equal(2, _replicas.GetPartition(Tp).HighWatermark);
        Assert.Equal(0, _replicas.DelayedProduces.Count);
    }

    [Fact]
    public async Task DelayedProduce_NotCoveredByTheHighWatermark_ExpiresAsRequestTimedOut()
    {
        // A follower that never catches up, seen from the purgatory: the batch ends past the high watermark.
        var time = new FakeTimeProvider();
        using var purgatory = new DelayedOperationPurgatory<TopicPartition>("produce", 10, time);
        using var partition = new Partition(Tp, Guid.NewGuid(), 0, new InMemoryReplicaLog(), new ProduceLimits(10_000, false, long.MaxValue, long.MaxValue));
        var produce = new DelayedProduce(partition, requiredOffset: 1, TimeSpan.FromMilliseconds(500));

        Assert.False(purgatory.TryCompleteElseWatch(produce, [Tp], TestContext.Current.CancellationToken));
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(produce.Completion.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(ErrorCode.RequestTimedOut, await produce.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(0, purgatory.Count);
    }

    [Fact]
    public async Task DelayedProduce_CompletesWhenAnAppendAdvancesTheHighWatermarkPastIt()
    {
        using var purgatory = new DelayedOperationPurgatory<TopicPartition>("produce", 10);
        using var partition = new Partition(Tp, Guid.NewGuid(), 0, new InMemoryReplicaLog(), new ProduceLimits(10_000, false, long.MaxValue, long.MaxValue),
            p => purgatory.CheckAndComplete(p.TopicPartition));
        var produce = new DelayedProduce(partition, requiredOffset: 3, TimeSpan.FromSeconds(30));
        Assert.False(purgatory.TryCompleteElseWatch(produce, [Tp], TestContext.Current.CancellationToken));

        foreach (var count in new[] { 2, 1 })
        {
            var bytes = TestBatches.Create(recordCount: count);
            Assert.Equal(ErrorCode.None, ProduceRecordsValidator.Validate(bytes, partition.Limits, 0, out var batch).Error);
            Assert.False(produce.Completion.IsCompleted);
            await partition.AppendAsync(bytes, batch, TestContext.Current.CancellationToken);
        }

        Assert.Equal(ErrorCode.None, await produce.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(DelayedOperationOutcome.Completed, produce.Outcome);
    }
}
