using Gregor.Broker.Tests.Support;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;
using TestBatches = Gregor.Broker.Tests.Replication.TestBatches;

namespace Gregor.Broker.Tests.Handlers;

/// <summary>
/// Produce, Fetch, ListOffsets, DeleteRecords and InitProducerId against an in-process broker
/// over raw protocol requests (generated messages, real sockets, real storage).
/// </summary>
public sealed class DataPlaneProtocolTests
{
    private const short ProduceVersion = 9;
    private const short FetchVersion = 12;

    private static Task<TestBroker> StartBrokerAsync(Dictionary<string, string>? overrides = null) => TestBroker.StartAsync(overrides);

    private static async Task<ProduceResponse.PartitionProduceResponse> ProduceAsync(RawKafkaConnection connection, string topic, int partition, byte[] batch, short acks = -1, short version = ProduceVersion)
    {
        var request = new ProduceRequest
        {
            Acks = acks,
            TimeoutMs = 30_000,
            TopicData =
            [
                new ProduceRequest.TopicProduceData
                {
                    Name = topic,
                    PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = batch }],
                },
            ],
        };
        var response = await KafkaWire.RoundTripAsync<ProduceResponse>(connection, request, version);
        return Assert.Single(Assert.Single(response!.Responses).PartitionResponses);
    }

    /// <summary>Produces until the topic (auto-created on first use) accepts the batch.</summary>
    private static async Task<ProduceResponse.PartitionProduceResponse> ProduceReadyAsync(RawKafkaConnection connection, string topic, int partition, byte[] batch)
    {
        ProduceResponse.PartitionProduceResponse? last = null;
        await Eventually.TrueAsync(
            async () =>
            {
                last = await ProduceAsync(connection, topic, partition, (byte[])batch.Clone());
                return last.ErrorCode is not ((short)ErrorCode.UnknownTopicOrPartition or (short)ErrorCode.LeaderNotAvailable or (short)ErrorCode.NotLeaderOrFollower);
            },
            $"topic {topic} accepts a produce");
        return last!;
    }

    private static FetchRequest FetchRequest(string topic, long offset, int partitionMaxBytes = 1 << 20, int maxWaitMs = 0, int minBytes = 0, int maxBytes = 50 << 20, int partition = 0) => new()
    {
        MaxWaitMs = maxWaitMs,
        MinBytes = minBytes,
        MaxBytes = maxBytes,
        SessionEpoch = -1,
        Topics =
        [
            new FetchRequest.FetchTopic
            {
                Topic = topic,
                Partitions = [new FetchRequest.FetchPartition { Partition = partition, FetchOffset = offset, PartitionMaxBytes = partitionMaxBytes }],
            },
        ],
    };

    private static async Task<FetchResponse.PartitionData> FetchAsync(RawKafkaConnection connection, FetchRequest request, short version = FetchVersion)
    {
        var response = await KafkaWire.RoundTripAsync<FetchResponse>(connection, request, version);
        return Assert.Single(Assert.Single(response!.Responses).Partitions);
    }

    private static async Task<ListOffsetsResponse.ListOffsetsPartitionResponse> ListOffsetAsync(RawKafkaConnection connection, string topic, long timestamp)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = timestamp }] }],
        };
        var response = await KafkaWire.RoundTripAsync<ListOffsetsResponse>(connection, request, 7);
        return Assert.Single(Assert.Single(response!.Topics).Partitions);
    }

    [Fact]
    public async Task Produce_ThenFetch_ReturnsTheSameBatchBytes()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        var first = TestBatches.Create(recordCount: 3);
        var second = TestBatches.Create(recordCount: 2, fill: (byte)'y');

        var r1 = await ProduceReadyAsync(connection, "roundtrip", 0, (byte[])first.Clone());
        var r2 = await ProduceAsync(connection, "roundtrip", 0, (byte[])second.Clone());
        var fetched = await FetchAsync(connection, FetchRequest("roundtrip", 0));

        Assert.Equal(((short)0, 0L), (r1.ErrorCode, r1.BaseOffset));
        Assert.Equal(((short)0, 3L), (r2.ErrorCode, r2.BaseOffset));
        Assert.Equal((short)0, fetched.ErrorCode);
        Assert.Equal(5, fetched.HighWatermark);
        var bytes = fetched.Records!.Value.ToArray();
        Assert.Equal(first.Length + second.Length, bytes.Length);
        // From the magic byte on, the stored batches are the producer's bytes.
        Assert.Equal(first[16..], bytes[16..first.Length]);
        Assert.Equal(second[16..], bytes[(first.Length + 16)..]);
    }

    [Fact]
    public async Task Fetch_LongPoll_IsWokenByAProduceOnAnotherConnection()
    {
        await using var broker = await StartBrokerAsync();
        using var producer = await broker.ConnectAsync();
        using var consumer = await broker.ConnectAsync();
        await ProduceReadyAsync(producer, "poll", 0, TestBatches.Create());

        var fetch = FetchAsync(consumer, FetchRequest("poll", 1, maxWaitMs: 30_000, minBytes: 1));
        var replicas = broker.Services.GetRequiredService<ReplicaManager>();
        await Eventually.TrueAsync(() => replicas.DelayedFetches.WatcherCount(new TopicPartition("poll", 0)) == 1, "the fetch waits on the partition");
        Assert.False(fetch.IsCompleted);
        await ProduceAsync(producer, "poll", 0, TestBatches.Create(recordCount: 2));
        var fetched = await fetch.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal((short)0, fetched.ErrorCode);
        Assert.True(fetched.Records!.Value.Length > 0);
        Assert.Equal(3, fetched.HighWatermark);
    }

    [Fact]
    public async Task Fetch_LongPollWithoutData_AnswersEmptyAfterMaxWait()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "idle", 0, TestBatches.Create());
        var started = TimeProvider.System.GetTimestamp();

        var fetched = await FetchAsync(connection, FetchRequest("idle", 1, maxWaitMs: 300, minBytes: 1));

        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(290));
        Assert.Equal(0, fetched.Records!.Value.Length);
    }

    [Fact]
    public async Task Fetch_PartitionMaxBytesSmallerThanFirstBatch_ReturnsThatBatchWhole()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        var big = TestBatches.Create(recordCount: 5, valueSize: 400);
        await ProduceReadyAsync(connection, "kip74", 0, (byte[])big.Clone());
        await ProduceAsync(connection, "kip74", 0, TestBatches.Create());

        var small = await FetchAsync(connection, FetchRequest("kip74", 0, partitionMaxBytes: 100));
        var both = await FetchAsync(connection, FetchRequest("kip74", 0, partitionMaxBytes: 1 << 20));

        Assert.Equal(big.Length, small.Records!.Value.Length);
        Assert.True(both.Records!.Value.Length > big.Length);
    }

    [Fact]
    public async Task Fetch_IncrementalSession_ReturnsOnlyPartitionsThatChanged()
    {
        await using var broker = await StartBrokerAsync(new Dictionary<string, string> { ["num.partitions"] = "2" });
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "session", 0, TestBatches.Create());
        await ProduceAsync(connection, "session", 1, TestBatches.Create());
        var full = new FetchRequest
        {
            MaxBytes = 1 << 20,
            SessionId = 0,
            SessionEpoch = 0,
            Topics =
            [
                new FetchRequest.FetchTopic
                {
                    Topic = "session",
                    Partitions =
                    [
                        new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 },
                        new FetchRequest.FetchPartition { Partition = 1, FetchOffset = 0, PartitionMaxBytes = 1 << 20 },
                    ],
                },
            ],
        };

        var first = await KafkaWire.RoundTripAsync<FetchResponse>(connection, full, FetchVersion);
        await ProduceAsync(connection, "session", 1, TestBatches.Create());
        var incremental = new FetchRequest
        {
            MaxBytes = 1 << 20,
            SessionId = first!.SessionId,
            SessionEpoch = 1,
            Topics =
            [
                new FetchRequest.FetchTopic
                {
                    Topic = "session",
                    Partitions =
                    [
                        new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 1, PartitionMaxBytes = 1 << 20 },
                        new FetchRequest.FetchPartition { Partition = 1, FetchOffset = 1, PartitionMaxBytes = 1 << 20 },
                    ],
                },
            ],
        };
        var second = await KafkaWire.RoundTripAsync<FetchResponse>(connection, incremental, FetchVersion);
        var wrongEpoch = await KafkaWire.RoundTripAsync<FetchResponse>(connection, new FetchRequest { SessionId = first.SessionId, SessionEpoch = 5 }, FetchVersion);

        Assert.NotEqual(0, first.SessionId);
        Assert.Equal(2, Assert.Single(first.Responses).Partitions.Count);
        Assert.Equal(first.SessionId, second!.SessionId);
        var changed = Assert.Single(Assert.Single(second.Responses).Partitions);
        Assert.Equal(1, changed.PartitionIndex);
        Assert.True(changed.Records!.Value.Length > 0);
        Assert.Equal((short)ErrorCode.InvalidFetchSessionEpoch, wrongEpoch!.ErrorCode);
    }

    [Fact]
    public async Task IdempotentProducer_DuplicateGetsOriginalOffsets_GapIsOutOfOrder_OldEpochIsRejected()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "idem", 0, TestBatches.Create());
        var init = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(connection, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = 60_000 }, 4);
        var pid = init!.ProducerId;

        var original = await ProduceAsync(connection, "idem", 0, TestBatches.Create(recordCount: 2, producerId: pid, producerEpoch: 0, baseSequence: 0));
        var duplicate = await ProduceAsync(connection, "idem", 0, TestBatches.Create(recordCount: 2, producerId: pid, producerEpoch: 0, baseSequence: 0));
        var gap = await ProduceAsync(connection, "idem", 0, TestBatches.Create(recordCount: 1, producerId: pid, producerEpoch: 0, baseSequence: 7));
        var bumped = await ProduceAsync(connection, "idem", 0, TestBatches.Create(recordCount: 1, producerId: pid, producerEpoch: 1, baseSequence: 0));
        var stale = await ProduceAsync(connection, "idem", 0, TestBatches.Create(recordCount: 1, producerId: pid, producerEpoch: 0, baseSequence: 2));

        Assert.Equal((short)0, init.ErrorCode);
        Assert.Equal(((short)0, 1L), (original.ErrorCode, original.BaseOffset));
        Assert.Equal(((short)0, 1L), (duplicate.ErrorCode, duplicate.BaseOffset));
        Assert.Equal((short)ErrorCode.OutOfOrderSequenceNumber, gap.ErrorCode);
        Assert.Equal(((short)0, 3L), (bumped.ErrorCode, bumped.BaseOffset));
        Assert.Equal((short)ErrorCode.InvalidProducerEpoch, stale.ErrorCode);
    }

    [Fact]
    public async Task IdempotentProducer_AfterABrokerRestart_StillGetsOriginalOffsetsAndANewProducerIdIsNeverReused()
    {
        await using var broker = await StartBrokerAsync();
        long pid;
        using (var connection = await broker.ConnectAsync())
        {
            await ProduceReadyAsync(connection, "idem-restart", 0, TestBatches.Create());
            pid = (await KafkaWire.RoundTripAsync<InitProducerIdResponse>(connection, new InitProducerIdRequest { TransactionalId = null }, 4))!.ProducerId;
            var first = await ProduceAsync(connection, "idem-restart", 0, TestBatches.Create(recordCount: 2, producerId: pid, producerEpoch: 0, baseSequence: 0));
            Assert.Equal(((short)0, 1L), (first.ErrorCode, first.BaseOffset));
        }

        await broker.RestartAsync();
        using var again = await broker.ConnectAsync();
        var duplicate = await ProduceAsync(again, "idem-restart", 0, TestBatches.Create(recordCount: 2, producerId: pid, producerEpoch: 0, baseSequence: 0));
        var next = await ProduceAsync(again, "idem-restart", 0, TestBatches.Create(recordCount: 1, producerId: pid, producerEpoch: 0, baseSequence: 2));
        var newPid = (await KafkaWire.RoundTripAsync<InitProducerIdResponse>(again, new InitProducerIdRequest { TransactionalId = null }, 4))!.ProducerId;

        Assert.Equal(((short)0, 1L), (duplicate.ErrorCode, duplicate.BaseOffset));
        Assert.Equal(((short)0, 3L), (next.ErrorCode, next.BaseOffset));
        Assert.True(newPid > pid, $"producer id {newPid} after restart must not reuse {pid}");
    }

    [Fact]
    public async Task InitProducerId_GivesEachIdempotentProducerADistinctId()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();

        var a = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(connection, new InitProducerIdRequest { TransactionalId = null }, 4);
        var b = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(connection, new InitProducerIdRequest { TransactionalId = null }, 4);

        Assert.Equal(((short)0, (short)0), (a!.ErrorCode, a.ProducerEpoch));
        Assert.NotEqual(a.ProducerId, b!.ProducerId);
        Assert.True(a.ProducerId >= 0);
    }

    [Fact]
    public async Task Produce_BatchOverMessageMaxBytes_IsMessageTooLarge()
    {
        await using var broker = await StartBrokerAsync(new Dictionary<string, string> { ["message.max.bytes"] = "2000" });
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "large", 0, TestBatches.Create());

        var result = await ProduceAsync(connection, "large", 0, TestBatches.Create(valueSize: 5000));

        Assert.Equal((short)ErrorCode.MessageTooLarge, result.ErrorCode);
    }

    [Fact]
    public async Task Produce_TwoHoursInTheFuture_IsInvalidTimestampUnderKafkasDefaultAfterMaxMs()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "future", 0, TestBatches.Create());

        var result = await ProduceAsync(connection, "future", 0, TestBatches.Create(baseTimestamp: DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 7_200_000));

        Assert.Equal((short)ErrorCode.InvalidTimestamp, result.ErrorCode);
        Assert.Equal(0, Assert.Single(result.RecordErrors).BatchIndex);
    }

    [Fact]
    public async Task Produce_WithAFlippedByte_IsCorruptMessage_AndNothingIsAppended()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "corrupt", 0, TestBatches.Create());
        var batch = TestBatches.Create(recordCount: 3);
        batch[^5] ^= 0x10;

        var result = await ProduceAsync(connection, "corrupt", 0, batch);
        var latest = await ListOffsetAsync(connection, "corrupt", -1);

        Assert.Equal((short)ErrorCode.CorruptMessage, result.ErrorCode);
        Assert.Equal(1, latest.Offset);
    }

    [Fact]
    public async Task Produce_WithAcksZero_SendsNoResponseButAppends()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "acks0", 0, TestBatches.Create());
        var request = new ProduceRequest
        {
            Acks = 0,
            TopicData = [new ProduceRequest.TopicProduceData { Name = "acks0", PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = TestBatches.Create(recordCount: 4) }] }],
        };

        await connection.SendFrameAsync(KafkaWire.Request(request, ProduceVersion, 77));
        // The next response on the connection is the ListOffsets one: acks=0 got none.
        var latest = await ListOffsetAsync(connection, "acks0", -1);

        Assert.Equal(5, latest.Offset);
    }

    [Fact]
    public async Task EveryAdvertisedVersion_OfProduceFetchAndListOffsets_IsAnswered()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        var topicId = (await ProduceReadyAsync(connection, "versions", 0, TestBatches.Create())) is { ErrorCode: 0 }
            ? broker.Services.GetRequiredService<Gregor.Cluster.Metadata.IMetadataPublisher>().Current.Topic("versions")!.TopicId
            : Guid.Empty;

        for (short version = 3; version <= 13; version++)
        {
            var request = new ProduceRequest
            {
                Acks = 1,
                TopicData = [new ProduceRequest.TopicProduceData { Name = version < 13 ? "versions" : "", TopicId = version >= 13 ? topicId : Guid.Empty, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = TestBatches.Create() }] }],
            };
            var response = await KafkaWire.RoundTripAsync<ProduceResponse>(connection, request, version);
            Assert.True(Assert.Single(Assert.Single(response!.Responses).PartitionResponses).ErrorCode == 0, $"produce v{version}");
        }
        for (short version = 4; version <= 18; version++)
        {
            var request = FetchRequest("versions", 0);
            if (version >= 13)
            {
                request.Topics[0].Topic = "";
                request.Topics[0].TopicId = topicId;
            }
            var partition = await FetchAsync(connection, request, version);
            Assert.True(partition.ErrorCode == 0 && partition.Records!.Value.Length > 0, $"fetch v{version}");
        }
        for (short version = 0; version <= 11; version++)
        {
            var request = new ListOffsetsRequest
            {
                ReplicaId = -1,
                Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = "versions", Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = -1 }] }],
            };
            var response = await KafkaWire.RoundTripAsync<ListOffsetsResponse>(connection, request, version);
            var partition = Assert.Single(Assert.Single(response!.Topics).Partitions);
            Assert.Equal(12L, version == 0 ? Assert.Single(partition.OldStyleOffsets) : partition.Offset);
        }
    }

    [Fact]
    public async Task Produce_WithAcksZeroThatFails_ClosesTheConnection()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "acks0-bad", 0, TestBatches.Create());
        var corrupt = TestBatches.Create(recordCount: 2);
        corrupt[^2] ^= 0x01;
        var request = new ProduceRequest
        {
            Acks = 0,
            TopicData = [new ProduceRequest.TopicProduceData { Name = "acks0-bad", PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = corrupt }] }],
        };

        await connection.SendFrameAsync(KafkaWire.Request(request, ProduceVersion, 5));

        Assert.True(await connection.IsClosedByPeerAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task DescribeProducersAndOffsetForLeaderEpoch_ReportTheLogState()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "state", 0, TestBatches.Create());
        var init = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(connection, new InitProducerIdRequest { TransactionalId = null }, 4);
        await ProduceAsync(connection, "state", 0, TestBatches.Create(recordCount: 3, producerId: init!.ProducerId, producerEpoch: 0, baseSequence: 0));

        var producers = await KafkaWire.RoundTripAsync<DescribeProducersResponse>(
            connection,
            new DescribeProducersRequest { Topics = [new DescribeProducersRequest.TopicRequest { Name = "state", PartitionIndexes = [0, 7] }] },
            0);
        var epochs = await KafkaWire.RoundTripAsync<OffsetForLeaderEpochResponse>(
            connection,
            new OffsetForLeaderEpochRequest
            {
                ReplicaId = -1,
                Topics = [new OffsetForLeaderEpochRequest.OffsetForLeaderTopic { Topic = "state", Partitions = [new OffsetForLeaderEpochRequest.OffsetForLeaderPartition { Partition = 0, CurrentLeaderEpoch = -1, LeaderEpoch = 0 }] }],
            },
            4);

        var partitions = Assert.Single(producers!.Topics).Partitions;
        var producer = Assert.Single(partitions[0].ActiveProducers);
        Assert.Equal((init.ProducerId, 0, 2), (producer.ProducerId, producer.ProducerEpoch, producer.LastSequence));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, partitions[1].ErrorCode);
        var epoch = Assert.Single(Assert.Single(epochs!.Topics).Partitions);
        Assert.Equal(((short)0, 0, 4L), (epoch.ErrorCode, epoch.LeaderEpoch, epoch.EndOffset));
    }

    [Fact]
    public async Task Produce_ToALogAppendTimeTopic_ReturnsAndStoresTheBrokerTime()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        var create = new CreateTopicsRequest
        {
            Topics =
            [
                new CreateTopicsRequest.CreatableTopic
                {
                    Name = "append-time",
                    NumPartitions = 1,
                    ReplicationFactor = 1,
                    Configs = [new CreateTopicsRequest.CreatableTopicConfig { Name = "message.timestamp.type", Value = "LogAppendTime" }],
                },
            ],
        };
        var created = await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, create, 5);
        Assert.Equal((short)0, Assert.Single(created!.Topics).ErrorCode);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var produced = await ProduceReadyAsync(connection, "append-time", 0, TestBatches.Create(recordCount: 2, baseTimestamp: 1_000));
        var fetched = await FetchAsync(connection, FetchRequest("append-time", 0));

        Assert.Equal((short)0, produced.ErrorCode);
        Assert.InRange(produced.LogAppendTimeMs, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var header = fetched.Records!.Value.Span;
        Assert.True(Gregor.Protocol.Records.RecordBatchHeader.TryRead(header, out var batch));
        Assert.True(batch.IsLogAppendTime);
        Assert.Equal(produced.LogAppendTimeMs, batch.MaxTimestamp);
        Assert.True(Gregor.Protocol.Records.RecordBatchHeader.IsCrcValid(header[..batch.TotalSize]));
    }

    [Fact]
    public async Task ListOffsets_EarliestLatestAndByTimestamp()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "times", 0, TestBatches.Create(recordCount: 2, baseTimestamp: 1_000));
        await ProduceAsync(connection, "times", 0, TestBatches.Create(recordCount: 2, baseTimestamp: 5_000));

        Assert.Equal(0, (await ListOffsetAsync(connection, "times", -2)).Offset);
        Assert.Equal(4, (await ListOffsetAsync(connection, "times", -1)).Offset);
        var byTime = await ListOffsetAsync(connection, "times", 4_000);
        Assert.Equal((2L, 5_000L), (byTime.Offset, byTime.Timestamp));
        Assert.Equal(-1, (await ListOffsetAsync(connection, "times", 9_000)).Offset);
    }

    [Fact]
    public async Task DeleteRecords_ThenListOffsetsEarliest_ReturnsTheNewLogStart()
    {
        await using var broker = await StartBrokerAsync();
        using var connection = await broker.ConnectAsync();
        await ProduceReadyAsync(connection, "trim", 0, TestBatches.Create(recordCount: 3));
        await ProduceAsync(connection, "trim", 0, TestBatches.Create(recordCount: 3));
        var request = new DeleteRecordsRequest
        {
            TimeoutMs = 5000,
            Topics = [new DeleteRecordsRequest.DeleteRecordsTopic { Name = "trim", Partitions = [new DeleteRecordsRequest.DeleteRecordsPartition { PartitionIndex = 0, Offset = 3 }] }],
        };

        var deleted = await KafkaWire.RoundTripAsync<DeleteRecordsResponse>(connection, request, 2);
        var earliest = await ListOffsetAsync(connection, "trim", -2);
        var below = await FetchAsync(connection, FetchRequest("trim", 0));

        var partition = Assert.Single(Assert.Single(deleted!.Topics).Partitions);
        Assert.Equal(((short)0, 3L), (partition.ErrorCode, partition.LowWatermark));
        Assert.Equal(3, earliest.Offset);
        Assert.Equal((short)ErrorCode.OffsetOutOfRange, below.ErrorCode);
    }
}
