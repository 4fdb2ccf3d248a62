using Gregor.Broker.Security;
using Gregor.Broker.Tests.Admin;
using Gregor.Broker.Tests.Support;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Handlers;

/// <summary>
/// The deviations from Kafka that clients' own test suites caught (issue 10) and their neighbours:
/// compacted topics refusing keyless records, ListOffsets special timestamps per version, authorized
/// operations, and InitProducerId's request checks. Raw requests against an in-process broker.
/// </summary>
public sealed class KafkaParityProtocolTests
{
    private static readonly long T = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;

    private static ProduceRequest Produce(params (string Topic, byte[] Batch)[] partitions) => new()
    {
        Acks = -1,
        TimeoutMs = 30_000,
        TopicData = [.. partitions.Select(p => new ProduceRequest.TopicProduceData
        {
            Name = p.Topic,
            PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = p.Batch }],
        })],
    };

    private static ListOffsetsRequest ListOffsets(string topic, params long[] timestamps) => new()
    {
        ReplicaId = -1,
        Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [.. timestamps.Select(t => new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = t })] }],
    };

    /// <summary>Creates a one-partition topic and waits until this node hosts it.</summary>
    private static async Task CreateTopicAsync(TestBroker broker, AdminClient client, string name, Dictionary<string, string>? configs = null)
    {
        var created = await client.CreateTopicAsync(name, configs: configs);
        Assert.Equal((short)ErrorCode.None, Assert.Single(created.Topics).ErrorCode);
        var replicas = broker.Services.GetRequiredService<ReplicaManager>();
        await Eventually.TrueAsync(() => replicas.TryGetPartition(new TopicPartition(name, 0), out _), $"{name}-0 is hosted");
    }

    private static async Task<ListOffsetsResponse.ListOffsetsPartitionResponse> ListOffsetAsync(AdminClient client, string topic, long timestamp, short version) =>
        Assert.Single(Assert.Single((await client.SendAsync<ListOffsetsResponse>(ListOffsets(topic, timestamp), version)).Topics).Partitions);

    // ---------------------------------------------------------------- compacted topics

    [Fact]
    public async Task Produce_KeylessRecordsToACompactedTopic_AreRefusedWithBatchIndexes_WhileAnotherTopicInTheRequestIsAppended()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "compacted", new() { ["cleanup.policy"] = "compact" });
        await CreateTopicAsync(broker, client, "plain");

        var response = await client.SendAsync<ProduceResponse>(
            Produce(("compacted", TestBatches.Keyed(CompressionType.None, ("k0", T), (null, T), ("k2", T))), ("plain", TestBatches.Keyed(CompressionType.None, (null, T)))), 9);
        var latest = await ListOffsetAsync(client, "compacted", -1, 7);

        var refused = Assert.Single(response.Responses.Single(t => t.Name == "compacted").PartitionResponses);
        Assert.Equal((short)ErrorCode.InvalidRecord, refused.ErrorCode);
        var recordError = Assert.Single(refused.RecordErrors);
        Assert.Equal(1, recordError.BatchIndex);
        Assert.Equal("Compacted topic cannot accept message without key in topic partition compacted-0.", recordError.BatchIndexErrorMessage);
        var appended = Assert.Single(response.Responses.Single(t => t.Name == "plain").PartitionResponses);
        Assert.Equal(((short)ErrorCode.None, 0L), (appended.ErrorCode, appended.BaseOffset));
        Assert.Equal(0, latest.Offset);
    }

    [Fact]
    public async Task Produce_KeylessCompressedRecordToACompactTopic_IsRefused_AndBeforeV8WithoutRecordErrors()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "compact-delete", new() { ["cleanup.policy"] = "compact,delete" });

        var response = await client.SendAsync<ProduceResponse>(Produce(("compact-delete", TestBatches.Keyed(CompressionType.Gzip, ("k", T), (null, T)))), 7);

        var refused = Assert.Single(Assert.Single(response.Responses).PartitionResponses);
        Assert.Equal((short)ErrorCode.InvalidRecord, refused.ErrorCode);
        Assert.Empty(refused.RecordErrors);
    }

    [Fact]
    public async Task Produce_KeylessRecord_IsRefusedWhenTheBrokerDefaultPolicyIsCompact()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["log.cleanup.policy"] = "compact" });
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "default-compact");
        await CreateTopicAsync(broker, client, "explicit-delete", new() { ["cleanup.policy"] = "delete" });

        var response = await client.SendAsync<ProduceResponse>(
            Produce(("default-compact", TestBatches.Keyed(CompressionType.None, (null, T))), ("explicit-delete", TestBatches.Keyed(CompressionType.None, (null, T)))), 9);

        Assert.Equal((short)ErrorCode.InvalidRecord, response.Responses.Single(t => t.Name == "default-compact").PartitionResponses.Single().ErrorCode);
        Assert.Equal((short)ErrorCode.None, response.Responses.Single(t => t.Name == "explicit-delete").PartitionResponses.Single().ErrorCode);
    }

    // ---------------------------------------------------------------- ListOffsets

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Lz4)]
    public async Task ListOffsets_MaxTimestamp_IsTheFirstRecordCarryingTheLargestTimestamp_NotTheBatchsLastOffset(CompressionType compression)
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "max-ts");
        await client.SendAsync<ProduceResponse>(Produce(("max-ts", TestBatches.Keyed(compression, ("a", T + 10), ("b", T + 20)))), 9);
        // One batch whose largest timestamp is in its middle, and reached twice (offsets 3 and 5).
        await client.SendAsync<ProduceResponse>(Produce(("max-ts", TestBatches.Keyed(compression, ("c", T + 100), ("d", T + 400), ("e", T + 250), ("f", T + 400), ("g", T + 5)))), 9);

        var max = await ListOffsetAsync(client, "max-ts", -3, 7);

        Assert.Equal((short)ErrorCode.None, max.ErrorCode);
        Assert.Equal((3L, T + 400), (max.Offset, max.Timestamp));
        Assert.True(max.LeaderEpoch >= 0, "the batch's leader epoch is reported");
    }

    [Theory]
    [InlineData(-3L, (short)6, (short)ErrorCode.UnsupportedVersion)]
    [InlineData(-3L, (short)7, (short)ErrorCode.None)]
    [InlineData(-4L, (short)7, (short)ErrorCode.UnsupportedVersion)]
    [InlineData(-4L, (short)8, (short)ErrorCode.None)]
    [InlineData(-5L, (short)8, (short)ErrorCode.UnsupportedVersion)]
    [InlineData(-5L, (short)9, (short)ErrorCode.None)]
    [InlineData(-6L, (short)10, (short)ErrorCode.UnsupportedVersion)]
    [InlineData(-6L, (short)11, (short)ErrorCode.None)]
    [InlineData(-7L, (short)11, (short)ErrorCode.UnsupportedVersion)]
    [InlineData(-1L, (short)1, (short)ErrorCode.None)]
    [InlineData(-2L, (short)1, (short)ErrorCode.None)]
    public async Task ListOffsets_SpecialTimestamp_IsRefusedBelowTheVersionKafkaIntroducedIt(long timestamp, short version, short expectedError)
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "specs");
        await client.SendAsync<ProduceResponse>(Produce(("specs", TestBatches.Keyed(CompressionType.None, ("a", T), ("b", T + 1)))), 9);

        var result = await ListOffsetAsync(client, "specs", timestamp, version);

        Assert.Equal(expectedError, result.ErrorCode);
        if (expectedError != (short)ErrorCode.None)
        {
            Assert.Equal((-1L, -1L), (result.Offset, result.Timestamp));
        }
    }

    [Fact]
    public async Task ListOffsets_EachSpec_AnswersWhatKafkaAnswersWithoutTieredStorage()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "answers");
        await client.SendAsync<ProduceResponse>(Produce(("answers", TestBatches.Keyed(CompressionType.None, ("a", T), ("b", T + 7)))), 9);

        var response = await client.SendAsync<ListOffsetsResponse>(ListOffsets("answers", -1), 11);
        var latest = Assert.Single(Assert.Single(response.Topics).Partitions);
        var earliest = await ListOffsetAsync(client, "answers", -2, 11);
        var earliestLocal = await ListOffsetAsync(client, "answers", -4, 11);
        var latestTiered = await ListOffsetAsync(client, "answers", -5, 11);
        var pendingUpload = await ListOffsetAsync(client, "answers", -6, 11);

        Assert.Equal((2L, -1L), (latest.Offset, latest.Timestamp));
        Assert.Equal((0L, -1L), (earliest.Offset, earliest.Timestamp));
        Assert.Equal((0L, -1L), (earliestLocal.Offset, earliestLocal.Timestamp));
        Assert.Equal((-1L, -1L, -1), (latestTiered.Offset, latestTiered.Timestamp, latestTiered.LeaderEpoch));
        Assert.Equal((-1L, -1L, -1), (pendingUpload.Offset, pendingUpload.Timestamp, pendingUpload.LeaderEpoch));
        Assert.All([latestTiered, pendingUpload], r => Assert.Equal((short)ErrorCode.None, r.ErrorCode));
    }

    [Fact]
    public async Task ListOffsets_PartitionNamedTwice_IsAnsweredOnceWithInvalidRequest()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "twice");

        var response = await client.SendAsync<ListOffsetsResponse>(ListOffsets("twice", -1, -2), 7);

        var answer = Assert.Single(Assert.Single(response.Topics).Partitions);
        Assert.Equal((short)ErrorCode.InvalidRequest, answer.ErrorCode);
    }

    // ---------------------------------------------------------------- authorized operations

    [Fact]
    public async Task Metadata_AuthorizedOperations_AreEveryTopicAndClusterOperation_OnlyWhenAsked()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await CreateTopicAsync(broker, client, "ops");
        var topicOps = AclOperations.Authorized(AclResourceType.Topic);

        var asked = await client.SendAsync<MetadataResponse>(new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = "ops" }, new MetadataRequest.MetadataRequestTopic { Name = "missing" }],
            AllowAutoTopicCreation = false,
            IncludeClusterAuthorizedOperations = true,
            IncludeTopicAuthorizedOperations = true,
        }, 10);
        var notAsked = await client.SendAsync<MetadataResponse>(new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = "ops" }] }, 12);
        var askedV12 = await client.SendAsync<MetadataResponse>(new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = "ops" }],
            IncludeTopicAuthorizedOperations = true,
        }, 12);

        Assert.Equal(3576, topicOps);
        Assert.Equal(topicOps, asked.Topics.Single(t => t.Name == "ops").TopicAuthorizedOperations);
        // Kafka fills it for a topic looked up by name even when the lookup failed.
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, asked.Topics.Single(t => t.Name == "missing").ErrorCode);
        Assert.Equal(topicOps, asked.Topics.Single(t => t.Name == "missing").TopicAuthorizedOperations);
        Assert.Equal(AclOperations.Authorized(AclResourceType.Cluster), asked.ClusterAuthorizedOperations);
        Assert.Equal(int.MinValue, Assert.Single(notAsked.Topics).TopicAuthorizedOperations);
        Assert.Equal(topicOps, Assert.Single(askedV12.Topics).TopicAuthorizedOperations);
    }

    [Fact]
    public async Task DescribeCluster_AuthorizedOperations_AreEveryClusterOperation_OnlyWhenAsked()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());

        var asked = await client.SendAsync<DescribeClusterResponse>(new DescribeClusterRequest { IncludeClusterAuthorizedOperations = true, EndpointType = 1 }, 1);
        var notAsked = await client.SendAsync<DescribeClusterResponse>(new DescribeClusterRequest { EndpointType = 1 }, 1);

        Assert.Equal(8096, asked.ClusterAuthorizedOperations);
        Assert.Equal(int.MinValue, notAsked.ClusterAuthorizedOperations);
    }

    [Fact]
    public async Task DescribeGroups_AuthorizedOperations_AreEveryGroupOperation_ForAGroupDescribedWithoutError()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());

        // Before v6 an unknown group is described (state Dead) without error; from v6 it is GROUP_ID_NOT_FOUND.
        var v5 = await client.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = ["nobody"], IncludeAuthorizedOperations = true }, 5);
        var v6 = await client.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = ["nobody"], IncludeAuthorizedOperations = true }, 6);
        var notAsked = await client.SendAsync<DescribeGroupsResponse>(new DescribeGroupsRequest { Groups = ["nobody"] }, 5);

        Assert.Equal(3400, Assert.Single(v5.Groups).AuthorizedOperations);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, Assert.Single(v6.Groups).ErrorCode);
        Assert.Equal(int.MinValue, Assert.Single(v6.Groups).AuthorizedOperations);
        Assert.Equal(int.MinValue, Assert.Single(notAsked.Groups).AuthorizedOperations);
    }

    // ---------------------------------------------------------------- InitProducerId

    [Theory]
    [InlineData("tx", 900_001, -1L, (short)-1, (short)ErrorCode.InvalidTransactionTimeout)]
    [InlineData("tx", 0, -1L, (short)-1, (short)ErrorCode.InvalidTransactionTimeout)]
    [InlineData("tx", -5, -1L, (short)-1, (short)ErrorCode.InvalidTransactionTimeout)]
    [InlineData("tx", 900_000, -1L, (short)-1, (short)ErrorCode.None)]
    [InlineData("", 60_000, -1L, (short)-1, (short)ErrorCode.InvalidRequest)]
    [InlineData(null, 0, -1L, (short)-1, (short)ErrorCode.None)]
    [InlineData(null, 2_000_000, -1L, (short)-1, (short)ErrorCode.None)]
    [InlineData(null, 60_000, 5L, (short)-1, (short)ErrorCode.InvalidRequest)]
    [InlineData(null, 60_000, -1L, (short)3, (short)ErrorCode.InvalidRequest)]
    public async Task InitProducerId_IsCheckedAsKafkaChecksIt(string? transactionalId, int timeoutMs, long producerId, short producerEpoch, short expectedError)
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());

        var response = await client.SendAsync<InitProducerIdResponse>(
            new InitProducerIdRequest { TransactionalId = transactionalId, TransactionTimeoutMs = timeoutMs, ProducerId = producerId, ProducerEpoch = producerEpoch }, 4);

        Assert.Equal(expectedError, response.ErrorCode);
        if (expectedError != (short)ErrorCode.None)
        {
            Assert.Equal((-1L, (short)-1), (response.ProducerId, response.ProducerEpoch));
        }
        else
        {
            Assert.True(response.ProducerId >= 0);
        }
    }

    [Fact]
    public async Task InitProducerId_TransactionMaxTimeoutMs_ComesFromTheBrokerConfig()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["transaction.max.timeout.ms"] = "5000" });
        using var client = new AdminClient(await broker.ConnectAsync());

        var over = await client.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = "tx", TransactionTimeoutMs = 5001, ProducerId = -1, ProducerEpoch = -1 }, 4);
        var at = await client.SendAsync<InitProducerIdResponse>(new InitProducerIdRequest { TransactionalId = "tx", TransactionTimeoutMs = 5000, ProducerId = -1, ProducerEpoch = -1 }, 4);

        Assert.Equal((short)ErrorCode.InvalidTransactionTimeout, over.ErrorCode);
        Assert.Equal((short)ErrorCode.None, at.ErrorCode);
    }
}
