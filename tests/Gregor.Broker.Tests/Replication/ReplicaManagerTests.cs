using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Replication;

public sealed class ReplicaManagerTests : IDisposable
{
    private readonly TestMetadataPublisher _metadata = new();
    private readonly InMemoryReplicaLogProvider _logs = new();
    private readonly ReplicaManager _replicas;

    public ReplicaManagerTests()
    {
        _replicas = new ReplicaManager(_metadata, _logs, new ReplicaManagerOptions(NodeId: 1, MessageMaxBytes: 10_000));
        _replicas.Open();
    }

    public void Dispose() => _replicas.Dispose();

    private static FetchRequestSpec Fetch(string topic, long offset, int partitionMaxBytes = 1_000_000, int maxWaitMs = 0, int minBytes = 0, int maxBytes = 50_000_000, int partition = 0) =>
        new(maxWaitMs, minBytes, maxBytes, 0, [new FetchPartitionSpec(new FetchPartitionKey(Guid.Empty, topic, partition), offset, partitionMaxBytes)]);

    [Fact]
    public void MetadataImage_WithTopicLedHere_OpensOneLogPerPartition()
    {
        _metadata.AddTopic("orders", 3);
        _metadata.AddTopic("elsewhere", 2, leader: 2);

        Assert.Equal(3, _logs.Logs.Count);
        Assert.True(_replicas.TryGetPartition(new TopicPartition("orders", 2), out _));
        Assert.Equal(ErrorCode.NotLeaderOrFollower, _replicas.PartitionError(new TopicPartition("elsewhere", 0)));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, _replicas.PartitionError(new TopicPartition("missing", 0)));
    }

    [Fact]
    public async Task Append_ThenFetch_ReturnsTheSameBatchBytesWithAssignedOffset()
    {
        _metadata.AddTopic("t", 1);
        var first = TestBatches.Create(recordCount: 3);
        var second = TestBatches.Create(recordCount: 2, fill: (byte)'x');
        var tp = new TopicPartition("t", 0);

        var r1 = await _replicas.AppendRecordsAsync(tp, first, TestContext.Current.CancellationToken);
        var r2 = await _replicas.AppendRecordsAsync(tp, second, TestContext.Current.CancellationToken);
        using var fetched = await _replicas.FetchAsync(Fetch("t", 0), TestContext.Current.CancellationToken);

        Assert.Equal((ErrorCode.None, 0L), (r1.Error, r1.BaseOffset));
        Assert.Equal((ErrorCode.None, 3L), (r2.Error, r2.BaseOffset));
        var partition = Assert.Single(fetched.Partitions);
        Assert.Equal(5, partition.HighWatermark);
        var bytes = partition.Records!.Memory.ToArray();
        Assert.Equal(first.Length + second.Length, bytes.Length);
        // Bytes after the 8-byte base offset and 4-byte epoch are exactly what the producer sent.
        Assert.Equal(first.AsSpan(16).ToArray(), bytes.AsSpan(16, first.Length - 16).ToArray());
        Assert.Equal(second.AsSpan(16).ToArray(), bytes.AsSpan(first.Length + 16).ToArray());
    }

    [Fact]
    public async Task Append_BatchLargerThanMaxMessageBytes_ReturnsMessageTooLarge()
    {
        _metadata.AddTopic("t", 1);

        var result = await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), TestBatches.Create(valueSize: 20_000), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.MessageTooLarge, result.Error);
        Assert.Equal(0, _logs.Logs[new TopicPartition("t", 0)].LogEndOffset);
    }

    [Fact]
    public async Task Append_TopicMaxMessageBytes_OverridesBrokerDefault()
    {
        _metadata.AddTopic("t", 1, configs: new Dictionary<string, string> { ["max.message.bytes"] = "100" });

        var result = await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), TestBatches.Create(valueSize: 200), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.MessageTooLarge, result.Error);
    }

    [Fact]
    public async Task Append_TimestampBeyondTopicAfterMaxMs_IsInvalidTimestamp_UnlessTheTopicUsesLogAppendTime()
    {
        var future = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000;
        _metadata.AddTopic("create", 1, configs: new Dictionary<string, string> { ["message.timestamp.after.max.ms"] = "60000" });
        _metadata.AddTopic("append", 1, configs: new Dictionary<string, string> { ["message.timestamp.after.max.ms"] = "60000", ["message.timestamp.type"] = "LogAppendTime" });

        var rejected = await _replicas.AppendRecordsAsync(new TopicPartition("create", 0), TestBatches.Create(baseTimestamp: future), TestContext.Current.CancellationToken);
        var accepted = await _replicas.AppendRecordsAsync(new TopicPartition("append", 0), TestBatches.Create(baseTimestamp: future), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.InvalidTimestamp, rejected.Error);
        Assert.Equal(ErrorCode.None, accepted.Error);
    }

    [Fact]
    public async Task Append_WithAFlippedByte_ReturnsCorruptMessage()
    {
        _metadata.AddTopic("t", 1);
        var batch = TestBatches.Create(recordCount: 2);
        batch[^3] ^= 0x40;

        var result = await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), batch, TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.CorruptMessage, result.Error);
    }

    [Fact]
    public async Task Append_ToUnknownTopic_ReturnsUnknownTopicOrPartition()
    {
        var result = await _replicas.AppendRecordsAsync(new TopicPartition("nope", 0), TestBatches.Create(), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.UnknownTopicOrPartition, result.Error);
    }

    [Fact]
    public async Task Fetch_PartitionMaxBytesSmallerThanFirstBatch_ReturnsTheWholeFirstBatchOnly()
    {
        _metadata.AddTopic("t", 1);
        var tp = new TopicPartition("t", 0);
        var big = TestBatches.Create(recordCount: 4, valueSize: 300);
        await _replicas.AppendRecordsAsync(tp, big, TestContext.Current.CancellationToken);
        await _replicas.AppendRecordsAsync(tp, TestBatches.Create(), TestContext.Current.CancellationToken);

        using var fetched = await _replicas.FetchAsync(Fetch("t", 0, partitionMaxBytes: 100), TestContext.Current.CancellationToken);

        Assert.Equal(big.Length, Assert.Single(fetched.Partitions).RecordBytes);
    }

    [Fact]
    public async Task Fetch_ResponseMaxBytesReached_LaterPartitionsReturnNoRecords()
    {
        _metadata.AddTopic("t", 2);
        var batch = TestBatches.Create(valueSize: 500);
        await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), batch, TestContext.Current.CancellationToken);
        await _replicas.AppendRecordsAsync(new TopicPartition("t", 1), batch, TestContext.Current.CancellationToken);
        var request = new FetchRequestSpec(0, 0, 100, 0,
        [
            new FetchPartitionSpec(new FetchPartitionKey(Guid.Empty, "t", 0), 0, 1_000_000),
            new FetchPartitionSpec(new FetchPartitionKey(Guid.Empty, "t", 1), 0, 1_000_000),
        ]);

        using var fetched = await _replicas.FetchAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(batch.Length, fetched.Partitions[0].RecordBytes);
        Assert.Equal(0, fetched.Partitions[1].RecordBytes);
        Assert.Equal(1, fetched.Partitions[1].HighWatermark);
    }

    [Fact]
    public async Task Fetch_BeyondLogEnd_ReturnsOffsetOutOfRange()
    {
        _metadata.AddTopic("t", 1);

        using var fetched = await _replicas.FetchAsync(Fetch("t", 5), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.OffsetOutOfRange, Assert.Single(fetched.Partitions).Error);
    }

    [Fact]
    public async Task Fetch_WithMinBytes_WaitsUntilAnAppendWakesIt()
    {
        _metadata.AddTopic("t", 1);
        var fetch = _replicas.FetchAsync(Fetch("t", 0, maxWaitMs: 30_000, minBytes: 1), TestContext.Current.CancellationToken).AsTask();
        await Eventually.TrueAsync(() => _replicas.DelayedFetches.WatcherCount(new TopicPartition("t", 0)) == 1);
        Assert.False(fetch.IsCompleted);

        await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), TestBatches.Create(), TestContext.Current.CancellationToken);
        using var fetched = await fetch.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(Assert.Single(fetched.Partitions).RecordBytes > 0);
        Assert.Equal(0, _replicas.DelayedFetches.WatcherCount(new TopicPartition("t", 0)));
    }

    [Fact]
    public async Task Fetch_WithNoData_ReturnsEmptyAfterMaxWait()
    {
        _metadata.AddTopic("t", 1);
        var started = TimeProvider.System.GetTimestamp();

        using var fetched = await _replicas.FetchAsync(Fetch("t", 0, maxWaitMs: 150, minBytes: 1), TestContext.Current.CancellationToken);

        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(140));
        Assert.Equal(0, Assert.Single(fetched.Partitions).RecordBytes);
    }

    [Fact]
    public async Task Fetch_WaitingOnADeletedTopic_ReturnsAnErrorPromptly()
    {
        _metadata.AddTopic("t", 1);
        var fetch = _replicas.FetchAsync(Fetch("t", 0, maxWaitMs: 30_000, minBytes: 1), TestContext.Current.CancellationToken).AsTask();
        await Eventually.TrueAsync(() => _replicas.DelayedFetches.WatcherCount(new TopicPartition("t", 0)) == 1);

        _metadata.RemoveTopic("t");
        using var fetched = await fetch.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.NotLeaderOrFollower, Assert.Single(fetched.Partitions).Error);
        Assert.Contains(new TopicPartition("t", 0), _logs.Deleted);
    }

    [Fact]
    public async Task Fetch_IncrementalSession_ReturnsOnlyChangedPartitions()
    {
        _metadata.AddTopic("t", 2);
        var key0 = new FetchPartitionKey(Guid.Empty, "t", 0);
        var key1 = new FetchPartitionKey(Guid.Empty, "t", 1);
        await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), TestBatches.Create(), TestContext.Current.CancellationToken);
        var full = new FetchRequestSpec(0, 0, 1_000_000, 0, [new FetchPartitionSpec(key0, 1, 1000), new FetchPartitionSpec(key1, 0, 1000)], SessionId: 0, SessionEpoch: 0);

        using var first = await _replicas.FetchAsync(full, TestContext.Current.CancellationToken);
        await _replicas.AppendRecordsAsync(new TopicPartition("t", 1), TestBatches.Create(), TestContext.Current.CancellationToken);
        using var second = await _replicas.FetchAsync(new FetchRequestSpec(0, 0, 1_000_000, 0, [], first.SessionId, 1), TestContext.Current.CancellationToken);
        using var third = await _replicas.FetchAsync(new FetchRequestSpec(0, 0, 1_000_000, 0, [new FetchPartitionSpec(key1, 1, 1000)], first.SessionId, 2), TestContext.Current.CancellationToken);

        Assert.NotEqual(0, first.SessionId);
        Assert.Equal(2, first.Partitions.Count);
        Assert.Equal(key1, Assert.Single(second.Partitions).Key);
        Assert.Empty(third.Partitions);
        Assert.Equal(ErrorCode.None, third.Error);
    }

    [Fact]
    public async Task Fetch_IncrementalSession_ServesAPartitionThatReturnedRecordsLast()
    {
        _metadata.AddTopic("t", 2);
        var batch = TestBatches.Create(valueSize: 500);
        await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), batch, TestContext.Current.CancellationToken);
        await _replicas.AppendRecordsAsync(new TopicPartition("t", 1), batch, TestContext.Current.CancellationToken);
        var key0 = new FetchPartitionKey(Guid.Empty, "t", 0);
        var key1 = new FetchPartitionKey(Guid.Empty, "t", 1);
        // Response limit of one batch: only the first partition in session order gets records.
        using var full = await _replicas.FetchAsync(new FetchRequestSpec(0, 0, 100, 0, [new FetchPartitionSpec(key0, 0, 1000), new FetchPartitionSpec(key1, 0, 1000)], 0, 0), TestContext.Current.CancellationToken);

        using var first = await _replicas.FetchAsync(new FetchRequestSpec(0, 0, 100, 0, [], full.SessionId, 1), TestContext.Current.CancellationToken);
        using var second = await _replicas.FetchAsync(new FetchRequestSpec(0, 0, 100, 0, [], full.SessionId, 2), TestContext.Current.CancellationToken);

        Assert.Equal(key0, Assert.Single(first.Partitions, p => p.RecordBytes > 0).Key);
        Assert.Equal(key1, Assert.Single(second.Partitions, p => p.RecordBytes > 0).Key);
    }

    [Fact]
    public async Task ListOffsets_EarliestLatestAndByTimestamp_FollowTheLog()
    {
        _metadata.AddTopic("t", 1);
        var tp = new TopicPartition("t", 0);
        await _replicas.AppendRecordsAsync(tp, TestBatches.Create(recordCount: 2, baseTimestamp: 1000), TestContext.Current.CancellationToken);
        await _replicas.AppendRecordsAsync(tp, TestBatches.Create(recordCount: 2, baseTimestamp: 5000), TestContext.Current.CancellationToken);

        Assert.Equal(0, _replicas.ListOffset(tp, ListOffsetsTimestamps.Earliest, 0, -1).Offset);
        Assert.Equal(4, _replicas.ListOffset(tp, ListOffsetsTimestamps.Latest, 0, -1).Offset);
        Assert.Equal(2, _replicas.ListOffset(tp, 4000, 0, -1).Offset);
        Assert.Equal(-1, _replicas.ListOffset(tp, 9000, 0, -1).Offset);
        Assert.Equal(5001, _replicas.ListOffset(tp, ListOffsetsTimestamps.MaxTimestamp, 0, -1).Timestamp);
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, _replicas.ListOffset(tp, ListOffsetsTimestamps.Latest, 0, currentLeaderEpoch: 1).Error);
    }

    [Fact]
    public async Task DeleteRecords_ThenListOffsetsEarliest_ReturnsTheNewLogStart()
    {
        _metadata.AddTopic("t", 1);
        var tp = new TopicPartition("t", 0);
        await _replicas.AppendRecordsAsync(tp, TestBatches.Create(recordCount: 5), TestContext.Current.CancellationToken);

        var (error, lowWatermark) = _replicas.DeleteRecords(tp, 3);
        var beyond = _replicas.DeleteRecords(tp, 6);

        Assert.Equal((ErrorCode.None, 3L), (error, lowWatermark));
        Assert.Equal(3, _replicas.ListOffset(tp, ListOffsetsTimestamps.Earliest, 0, -1).Offset);
        Assert.Equal(ErrorCode.OffsetOutOfRange, beyond.Error);
    }

    [Fact]
    public void OffsetForLeaderEpoch_CurrentEpoch_EndsAtLogEnd_AndLaterEpochIsUnknown()
    {
        _metadata.AddTopic("t", 1, leaderEpoch: 3);
        var tp = new TopicPartition("t", 0);

        Assert.Equal((ErrorCode.None, 3, 0L), _replicas.OffsetForLeaderEpoch(tp, -1, 3));
        Assert.Equal((ErrorCode.None, -1, -1L), _replicas.OffsetForLeaderEpoch(tp, -1, 4));
        Assert.Equal(ErrorCode.FencedLeaderEpoch, _replicas.OffsetForLeaderEpoch(tp, 2, 3).Error);
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, _replicas.OffsetForLeaderEpoch(tp, 4, 3).Error);
    }

    [Fact]
    public async Task TopicRecreatedWithNewId_StartsFromAnEmptyLog()
    {
        _metadata.AddTopic("t", 1);
        await _replicas.AppendRecordsAsync(new TopicPartition("t", 0), TestBatches.Create(), TestContext.Current.CancellationToken);
        var oldPartition = _replicas.GetPartition(new TopicPartition("t", 0));

        var newId = _metadata.AddTopic("t", 1);

        var partition = _replicas.GetPartition(new TopicPartition("t", 0));
        Assert.True(oldPartition.IsRemoved);
        Assert.Equal(newId, partition.TopicId);
        Assert.Equal(0, partition.LogEndOffset);
    }
}
