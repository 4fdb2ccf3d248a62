using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Admin;

public sealed class TopicAdminHandlerTests
{
    private static async Task<(TestBroker Broker, AdminClient Client)> StartAsync(Dictionary<string, string>? overrides = null)
    {
        var broker = await TestBroker.StartAsync(overrides);
        return (broker, new AdminClient(await broker.ConnectAsync()));
    }

    [Fact]
    public async Task CreateTopics_ThenMetadata_ListsTopicLedByThisBrokerAtItsBoundPort()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;

        var created = await client.CreateTopicAsync("orders", partitions: 3);
        var metadata = await client.MetadataAsync(["orders"]);

        var result = Assert.Single(created.Topics);
        Assert.Equal((short)ErrorCode.None, result.ErrorCode);
        Assert.Equal(3, result.NumPartitions);
        Assert.NotEqual(Guid.Empty, result.TopicId);
        var brokerEntry = Assert.Single(metadata.Brokers);
        Assert.Equal(broker.Port, brokerEntry.Port);
        Assert.Equal(1, metadata.ControllerId);
        Assert.False(string.IsNullOrEmpty(metadata.ClusterId));
        var topic = Assert.Single(metadata.Topics);
        Assert.Equal((short)ErrorCode.None, topic.ErrorCode);
        Assert.Equal(result.TopicId, topic.TopicId);
        Assert.Equal([0, 1, 2], topic.Partitions.Select(p => p.PartitionIndex));
        Assert.All(topic.Partitions, p =>
        {
            Assert.Equal(1, p.LeaderId);
            Assert.Equal(0, p.LeaderEpoch);
            Assert.Equal([1], p.ReplicaNodes);
            Assert.Equal([1], p.IsrNodes);
            Assert.Empty(p.OfflineReplicas);
        });
    }

    [Fact]
    public async Task Metadata_EveryVersion_ListsAllTopics()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;
        await client.CreateTopicAsync("a");
        await client.CreateTopicAsync("b");

        for (short version = MetadataRequest.LowestSupportedVersion; version <= MetadataRequest.HighestSupportedVersion; version++)
        {
            // v0 has no null topic list: an empty list means all topics.
            var metadata = await client.MetadataAsync(version == 0 ? [] : null, version: version);

            Assert.Equal(["a", "b"], metadata.Topics.Select(t => t.Name));
            Assert.Equal(broker.Port, Assert.Single(metadata.Brokers).Port);
        }
    }

    [Fact]
    public async Task Metadata_UnknownTopic_IsAutoCreatedOnlyWhenTheRequestAllowsIt()
    {
        var (broker, client) = await StartAsync(new() { ["num.partitions"] = "2" });
        await using var _ = broker;
        using var __ = client;

        var refused = await client.MetadataAsync(["not-allowed"], allowAutoCreate: false);
        var created = await client.MetadataAsync(["auto"], allowAutoCreate: true);
        var invalid = await client.MetadataAsync(["bad name!"], allowAutoCreate: true);

        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, Assert.Single(refused.Topics).ErrorCode);
        var auto = Assert.Single(created.Topics);
        Assert.Equal((short)ErrorCode.None, auto.ErrorCode);
        Assert.Equal(2, auto.Partitions.Count);
        Assert.Equal((short)ErrorCode.InvalidTopicException, Assert.Single(invalid.Topics).ErrorCode);
        var all = await client.MetadataAsync(null);
        Assert.Equal(["auto"], all.Topics.Select(t => t.Name));
        var twice = await client.MetadataAsync(["auto", "auto"]);
        Assert.Single(twice.Topics);
    }

    [Fact]
    public async Task Metadata_WithAutoCreateDisabledInConfig_ReportsUnknownTopic()
    {
        var (broker, client) = await StartAsync(new() { ["auto.create.topics.enable"] = "false" });
        await using var _ = broker;
        using var __ = client;

        var metadata = await client.MetadataAsync(["nope"], allowAutoCreate: true);

        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, Assert.Single(metadata.Topics).ErrorCode);
    }

    [Fact]
    public async Task CreateTopics_ReportsKafkaErrorCodes()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;
        await client.CreateTopicAsync("exists");

        Assert.Equal((short)ErrorCode.TopicAlreadyExists, (await client.CreateTopicAsync("exists")).Topics[0].ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidTopicException, (await client.CreateTopicAsync("bad/name")).Topics[0].ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidPartitions, (await client.CreateTopicAsync("p", partitions: 0)).Topics[0].ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidReplicationFactor, (await client.CreateTopicAsync("r", replicationFactor: 3)).Topics[0].ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidConfig, (await client.CreateTopicAsync("c", configs: new() { ["retention.ms"] = "x" })).Topics[0].ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidConfig, (await client.CreateTopicAsync("u", configs: new() { ["no.such"] = "1" })).Topics[0].ErrorCode);

        var duplicate = await client.SendAsync<CreateTopicsResponse>(new CreateTopicsRequest
        {
            Topics =
            [
                new() { Name = "dup", NumPartitions = 1, ReplicationFactor = 1 },
                new() { Name = "dup", NumPartitions = 1, ReplicationFactor = 1 },
            ],
        }, 7);
        Assert.All(duplicate.Topics, t => Assert.Equal((short)ErrorCode.InvalidRequest, t.ErrorCode));

        var names = (await client.MetadataAsync(null)).Topics.Select(t => t.Name);
        Assert.Equal(["exists"], names);
    }

    [Fact]
    public async Task CreateTopics_ValidateOnly_CreatesNothing()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;

        var response = await client.CreateTopicAsync("dry", partitions: 4, validateOnly: true);

        Assert.Equal((short)ErrorCode.None, response.Topics[0].ErrorCode);
        Assert.Equal(4, response.Topics[0].NumPartitions);
        Assert.Empty((await client.MetadataAsync(null)).Topics);
    }

    [Fact]
    public async Task CreateTopics_V5_ReturnsEveryConfigWithItsSource()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;

        var response = await client.CreateTopicAsync("cfg", configs: new() { ["retention.ms"] = "1234" }, version: 5);

        var configs = response.Topics[0].Configs!.ToDictionary(c => c.Name);
        Assert.Equal("1234", configs["retention.ms"].Value);
        Assert.Equal(1, configs["retention.ms"].ConfigSource); // DYNAMIC_TOPIC_CONFIG
        Assert.Equal("delete", configs["cleanup.policy"].Value);
        Assert.Equal(5, configs["cleanup.policy"].ConfigSource); // DEFAULT_CONFIG
    }

    [Fact]
    public async Task DeleteTopics_ByNameAndById_RemovesThem()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;
        await client.CreateTopicAsync("by-name");
        var byId = (await client.CreateTopicAsync("by-id")).Topics[0].TopicId;

        var v5 = await client.SendAsync<DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = ["by-name", "missing"], TimeoutMs = 30_000 }, 5);
        var v6 = await client.SendAsync<DeleteTopicsResponse>(new DeleteTopicsRequest
        {
            Topics = [new() { TopicId = byId }, new() { TopicId = Guid.NewGuid() }],
            TimeoutMs = 30_000,
        }, 6);

        Assert.Equal([(short)ErrorCode.None, (short)ErrorCode.UnknownTopicOrPartition], v5.Responses.Select(r => r.ErrorCode));
        Assert.Equal((short)ErrorCode.None, v6.Responses[0].ErrorCode);
        Assert.Equal("by-id", v6.Responses[0].Name);
        Assert.Equal((short)ErrorCode.UnknownTopicId, v6.Responses[1].ErrorCode);
        Assert.Empty((await client.MetadataAsync(null)).Topics);
    }

    [Fact]
    public async Task CreatePartitions_GrowsTheTopicAndRejectsShrinking()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;
        await client.CreateTopicAsync("grow", partitions: 1);

        var grown = await client.SendAsync<CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            Topics = [new() { Name = "grow", Count = 4, Assignments = null }],
            TimeoutMs = 30_000,
        }, 3);
        var shrink = await client.SendAsync<CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            Topics = [new() { Name = "grow", Count = 2, Assignments = null }],
            TimeoutMs = 30_000,
        }, 0);

        Assert.Equal((short)ErrorCode.None, grown.Results[0].ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidPartitions, shrink.Results[0].ErrorCode);
        Assert.Equal(4, (await client.MetadataAsync(["grow"])).Topics[0].Partitions.Count);
    }

    [Fact]
    public async Task Topics_SurviveABrokerRestartWithTheirIds()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        var id = (await client.CreateTopicAsync("durable", partitions: 2)).Topics[0].TopicId;
        client.Dispose();

        await broker.RestartAsync();
        using var again = new AdminClient(await broker.ConnectAsync());
        var topic = Assert.Single((await again.MetadataAsync(null)).Topics);

        Assert.Equal("durable", topic.Name);
        Assert.Equal(id, topic.TopicId);
        Assert.Equal(2, topic.Partitions.Count);
    }

    [Fact]
    public async Task DescribeCluster_ReturnsClusterIdAndThisBroker()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;

        var cluster = await client.SendAsync<DescribeClusterResponse>(new DescribeClusterRequest(), 1);
        var metadata = await client.MetadataAsync(null);

        Assert.Equal((short)ErrorCode.None, cluster.ErrorCode);
        Assert.Equal(metadata.ClusterId, cluster.ClusterId);
        Assert.Equal(1, cluster.ControllerId);
        var entry = Assert.Single(cluster.Brokers);
        Assert.Equal(broker.Port, entry.Port);
        Assert.Equal(1, entry.BrokerId);
    }

    [Fact]
    public async Task Start_OnADataDirOfAnotherNodeId_FailsWithAPrintableDataDirError()
    {
        using var dataDir = new TempDirectory();
        await (await TestBroker.StartAsync(dataDir: dataDir.Path)).DisposeAsync();

        var failure = await Assert.ThrowsAsync<BrokerStartException>(() => TestBroker.StartAsync(new Dictionary<string, string> { ["node.id"] = "2" }, dataDir: dataDir.Path));

        Assert.Equal(BrokerStartFailure.DataDirUnusable, failure.Failure);
        Assert.Contains("node.id=1", failure.Message);
    }
}
