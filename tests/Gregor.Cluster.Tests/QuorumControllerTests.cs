using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Log;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Tests;

public sealed class QuorumControllerTests
{
    private static readonly Dictionary<string, string?> NoConfigs = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An open controller registered as 127.0.0.1:19092, as a node's lifecycle leaves it.</summary>
    private static async Task<QuorumController> NewControllerAsync(IMetadataLogStore? store = null, int defaultPartitions = 1)
    {
        var controller = new QuorumController(
            new QuorumControllerOptions { NodeId = 1, ClusterId = "test-cluster", DefaultNumPartitions = defaultPartitions },
            store ?? new InMemoryMetadataLogStore());
        controller.Open();
        await controller.RegisterBrokerAsync("127.0.0.1", 19092, Ct);
        return controller;
    }

    private static async Task<QuorumController> OpenAsync(QuorumControllerOptions options)
    {
        var controller = new QuorumController(options);
        controller.Open();
        await controller.RegisterBrokerAsync(options.AdvertisedHost, options.AdvertisedPort, Ct);
        return controller;
    }

    private static CreateTopicSpec Spec(string name, int partitions = 1, short rf = 1, Dictionary<string, string?>? configs = null) =>
        new(name, partitions, rf, configs ?? NoConfigs);

    [Fact]
    public async Task Start_RegistersThisNodeWithItsAdvertisedListener()
    {
        using var controller = await NewControllerAsync();

        var broker = Assert.Single(controller.Current.Brokers.Values);
        Assert.Equal(1, broker.NodeId);
        Assert.Equal("127.0.0.1", broker.Host);
        Assert.Equal(19092, broker.Port);
        Assert.False(broker.Fenced);
        Assert.Equal(1, controller.Current.ControllerId);
        Assert.Equal("test-cluster", controller.Current.ClusterId);
    }

    [Fact]
    public async Task CreateTopic_PublishesTopicWithPartitionsLedByThisNode()
    {
        using var controller = await NewControllerAsync();
        var published = new List<MetadataImage>();
        using var subscription = controller.Subscribe((_, next) => published.Add(next));

        var outcome = await controller.CreateTopicAsync(Spec("orders", 3), validateOnly: false, Ct);

        Assert.Equal(ErrorCode.None, outcome.Error);
        Assert.Equal(3, outcome.NumPartitions);
        Assert.Equal(1, outcome.ReplicationFactor);
        var topic = controller.Current.Topic("orders")!;
        Assert.Equal(outcome.TopicId, topic.TopicId);
        Assert.Same(topic, controller.Current.TopicsById[outcome.TopicId]);
        Assert.Equal([0, 1, 2], topic.Partitions.Keys.Order());
        var partition = controller.Current.Partition("orders", 2)!;
        Assert.Equal(1, partition.Leader);
        Assert.Equal(0, partition.LeaderEpoch);
        Assert.Equal([1], partition.Replicas);
        Assert.Equal([1], partition.Isr);
        Assert.Same(controller.Current, Assert.Single(published));
        Assert.Equal("604800000", outcome.EffectiveConfigs["retention.ms"]);
    }

    [Fact]
    public async Task CreateTopic_WithDefaultPartitions_UsesNumPartitionsOption()
    {
        using var controller = await NewControllerAsync(defaultPartitions: 4);

        var outcome = await controller.CreateTopicAsync(Spec("t", partitions: -1, rf: -1), false, Ct);

        Assert.Equal(4, outcome.NumPartitions);
        Assert.Equal(4, controller.Current.Topic("t")!.Partitions.Count);
    }

    [Fact]
    public async Task CreateTopic_ValidateOnly_ChangesNothing()
    {
        using var controller = await NewControllerAsync();
        var before = controller.Current;

        var outcome = await controller.CreateTopicAsync(Spec("t", 2), validateOnly: true, Ct);

        Assert.Equal(ErrorCode.None, outcome.Error);
        Assert.Same(before, controller.Current);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("has space")]
    [InlineData("slash/no")]
    [InlineData("ünicode")]
    public async Task CreateTopic_IllegalName_IsInvalidTopicException(string name)
    {
        using var controller = await NewControllerAsync();

        var outcome = await controller.CreateTopicAsync(Spec(name), false, Ct);

        Assert.Equal(ErrorCode.InvalidTopicException, outcome.Error);
        Assert.Empty(controller.Current.TopicsByName);
    }

    [Fact]
    public async Task CreateTopic_NameLength_249IsLegal250IsNot()
    {
        using var controller = await NewControllerAsync();

        Assert.Equal(ErrorCode.None, (await controller.CreateTopicAsync(Spec(new string('a', 249)), false, Ct)).Error);
        Assert.Equal(ErrorCode.InvalidTopicException, (await controller.CreateTopicAsync(Spec(new string('b', 250)), false, Ct)).Error);
    }

    [Fact]
    public async Task CreateTopic_Existing_IsTopicAlreadyExists()
    {
        using var controller = await NewControllerAsync();
        await controller.CreateTopicAsync(Spec("t"), false, Ct);

        var outcome = await controller.CreateTopicAsync(Spec("t"), false, Ct);

        Assert.Equal(ErrorCode.TopicAlreadyExists, outcome.Error);
    }

    [Fact]
    public async Task CreateTopic_DotUnderscoreCollision_IsInvalidTopicException()
    {
        using var controller = await NewControllerAsync();
        await controller.CreateTopicAsync(Spec("a.b"), false, Ct);

        var outcome = await controller.CreateTopicAsync(Spec("a_b"), false, Ct);

        Assert.Equal(ErrorCode.InvalidTopicException, outcome.Error);
        Assert.Contains("collides", outcome.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(1_000_000)]
    public async Task CreateTopic_BadPartitionCount_IsInvalidPartitions(int partitions)
    {
        using var controller = await NewControllerAsync();

        Assert.Equal(ErrorCode.InvalidPartitions, (await controller.CreateTopicAsync(Spec("t", partitions), false, Ct)).Error);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task CreateTopic_ReplicationFactorZeroOrAboveBrokerCount_IsInvalidReplicationFactor(short rf)
    {
        using var controller = await NewControllerAsync();

        var outcome = await controller.CreateTopicAsync(Spec("t", 1, rf), false, Ct);

        Assert.Equal(ErrorCode.InvalidReplicationFactor, outcome.Error);
    }

    [Theory]
    [InlineData("no.such.config", "1")]
    [InlineData("retention.ms", "soon")]
    [InlineData("cleanup.policy", "forever")]
    [InlineData("min.insync.replicas", "0")]
    [InlineData("retention.ms", null)]
    public async Task CreateTopic_UnknownOrInvalidConfig_IsInvalidConfig(string name, string? value)
    {
        using var controller = await NewControllerAsync();

        var outcome = await controller.CreateTopicAsync(Spec("t", configs: new() { [name] = value }), false, Ct);

        Assert.Equal(ErrorCode.InvalidConfig, outcome.Error);
        Assert.Null(controller.Current.Topic("t"));
    }

    [Fact]
    public async Task CreateTopic_ManualAssignment_UsesGivenReplicasAndRejectsUnknownBrokers()
    {
        using var controller = await NewControllerAsync();

        var ok = await controller.CreateTopicAsync(new CreateTopicSpec("m", -1, -1, NoConfigs, new Dictionary<int, int[]> { [0] = [1], [1] = [1] }), false, Ct);
        var unknownBroker = await controller.CreateTopicAsync(new CreateTopicSpec("n", -1, -1, NoConfigs, new Dictionary<int, int[]> { [0] = [7] }), false, Ct);
        var gap = await controller.CreateTopicAsync(new CreateTopicSpec("o", -1, -1, NoConfigs, new Dictionary<int, int[]> { [1] = [1] }), false, Ct);
        var both = await controller.CreateTopicAsync(new CreateTopicSpec("p", 1, -1, NoConfigs, new Dictionary<int, int[]> { [0] = [1] }), false, Ct);

        Assert.Equal(ErrorCode.None, ok.Error);
        Assert.Equal(2, controller.Current.Topic("m")!.Partitions.Count);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, unknownBroker.Error);
        Assert.Equal(ErrorCode.InvalidReplicaAssignment, gap.Error);
        Assert.Equal(ErrorCode.InvalidRequest, both.Error);
    }

    [Fact]
    public async Task DeleteTopic_ByNameAndById_RemovesItFromTheImage()
    {
        using var controller = await NewControllerAsync();
        await controller.CreateTopicAsync(Spec("a"), false, Ct);
        var b = await controller.CreateTopicAsync(Spec("b"), false, Ct);

        Assert.Equal(ErrorCode.None, (await controller.DeleteTopicAsync("a", Ct)).Error);
        Assert.Equal(ErrorCode.None, (await controller.DeleteTopicAsync(b.TopicId, Ct)).Error);

        Assert.Empty(controller.Current.TopicsByName);
        Assert.Empty(controller.Current.TopicsById);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, (await controller.DeleteTopicAsync("a", Ct)).Error);
        Assert.Equal(ErrorCode.UnknownTopicId, (await controller.DeleteTopicAsync(Guid.NewGuid(), Ct)).Error);
    }

    [Fact]
    public async Task DeleteTopic_ThenRecreate_GetsNewTopicId()
    {
        using var controller = await NewControllerAsync();
        var first = await controller.CreateTopicAsync(Spec("t"), false, Ct);
        await controller.DeleteTopicAsync("t", Ct);

        var second = await controller.CreateTopicAsync(Spec("t"), false, Ct);

        Assert.NotEqual(first.TopicId, second.TopicId);
    }

    [Fact]
    public async Task CreatePartitions_GrowsTopicAndRejectsDecrease()
    {
        using var controller = await NewControllerAsync();
        await controller.CreateTopicAsync(Spec("t", 2), false, Ct);

        Assert.Equal(ErrorCode.None, (await controller.CreatePartitionsAsync("t", 5, false, Ct)).Error);
        Assert.Equal(5, controller.Current.Topic("t")!.Partitions.Count);
        Assert.Equal(ErrorCode.InvalidPartitions, (await controller.CreatePartitionsAsync("t", 5, false, Ct)).Error);
        Assert.Equal(ErrorCode.InvalidPartitions, (await controller.CreatePartitionsAsync("t", 3, false, Ct)).Error);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, (await controller.CreatePartitionsAsync("nope", 3, false, Ct)).Error);
        Assert.Equal(ErrorCode.None, (await controller.CreatePartitionsAsync("t", 9, validateOnly: true, Ct)).Error);
        Assert.Equal(5, controller.Current.Topic("t")!.Partitions.Count);
    }

    [Fact]
    public async Task AlterConfigs_IncrementalSetDeleteAppendSubtract()
    {
        using var controller = await NewControllerAsync();
        await controller.CreateTopicAsync(Spec("t", configs: new() { ["retention.ms"] = "1000" }), false, Ct);

        var set = await controller.AlterTopicConfigsAsync("t", [new("segment.bytes", ConfigOperation.Set, "1048576")], true, false, Ct);
        Assert.Equal(ErrorCode.None, set.Error);
        Assert.Equal("1000", controller.Current.Topic("t")!.Configs["retention.ms"]);
        Assert.Equal("1048576", controller.Current.Topic("t")!.Configs["segment.bytes"]);

        await controller.AlterTopicConfigsAsync("t", [new("cleanup.policy", ConfigOperation.Append, "compact")], true, false, Ct);
        Assert.Equal("delete,compact", controller.Current.Topic("t")!.Configs["cleanup.policy"]);
        await controller.AlterTopicConfigsAsync("t", [new("cleanup.policy", ConfigOperation.Subtract, "delete")], true, false, Ct);
        Assert.Equal("compact", controller.Current.Topic("t")!.Configs["cleanup.policy"]);

        await controller.AlterTopicConfigsAsync("t", [new("retention.ms", ConfigOperation.Delete, null)], true, false, Ct);
        Assert.False(controller.Current.Topic("t")!.Configs.ContainsKey("retention.ms"));

        var appendToLong = await controller.AlterTopicConfigsAsync("t", [new("retention.ms", ConfigOperation.Append, "5")], true, false, Ct);
        Assert.Equal(ErrorCode.InvalidConfig, appendToLong.Error);
        var unknown = await controller.AlterTopicConfigsAsync("t", [new("bogus", ConfigOperation.Set, "5")], true, false, Ct);
        Assert.Equal(ErrorCode.InvalidConfig, unknown.Error);
        var missing = await controller.AlterTopicConfigsAsync("nope", [new("retention.ms", ConfigOperation.Set, "5")], true, false, Ct);
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, missing.Error);
    }

    [Fact]
    public async Task AlterConfigs_Legacy_ReplacesEveryOverride()
    {
        using var controller = await NewControllerAsync();
        await controller.CreateTopicAsync(Spec("t", configs: new() { ["retention.ms"] = "1000" }), false, Ct);

        var result = await controller.AlterTopicConfigsAsync("t", [new("segment.ms", ConfigOperation.Set, "60000")], incremental: false, validateOnly: false, Ct);

        Assert.Equal(ErrorCode.None, result.Error);
        var configs = controller.Current.Topic("t")!.Configs;
        Assert.Equal("60000", Assert.Single(configs).Value);
    }

    [Fact]
    public async Task Restart_ReplaysLogIntoTheSameImage()
    {
        var store = new InMemoryMetadataLogStore();
        MetadataImage before;
        using (var controller = await NewControllerAsync(store))
        {
            await controller.CreateTopicAsync(Spec("a", 3, configs: new() { ["retention.ms"] = "5000" }), false, Ct);
            await controller.CreateTopicAsync(Spec("b", 1), false, Ct);
            await controller.CreatePartitionsAsync("b", 2, false, Ct);
            await controller.AlterTopicConfigsAsync("b", [new("cleanup.policy", ConfigOperation.Set, "compact")], true, false, Ct);
            await controller.CreateTopicAsync(Spec("c", 1), false, Ct);
            await controller.DeleteTopicAsync("c", Ct);
            before = controller.Current;
        }

        using var restarted = await NewControllerAsync(store);
        var after = restarted.Current;

        Assert.Equal(before.TopicsByName.Keys.Order(), after.TopicsByName.Keys.Order());
        foreach (var topic in before.TopicsByName.Values)
        {
            var replayed = after.Topic(topic.Name)!;
            Assert.Equal(topic.TopicId, replayed.TopicId);
            Assert.Equal(topic.Configs.OrderBy(c => c.Key), replayed.Configs.OrderBy(c => c.Key));
            Assert.Equal(topic.Partitions.Count, replayed.Partitions.Count);
            foreach (var partition in topic.Partitions.Values)
            {
                var other = replayed.Partitions[partition.Partition];
                Assert.Equal(partition.Leader, other.Leader);
                Assert.Equal(partition.LeaderEpoch, other.LeaderEpoch);
                Assert.Equal(partition.Replicas, other.Replicas);
            }
        }
        Assert.True(after.Offset > before.Offset, "the restart appends a new broker registration");
        Assert.True(restarted.Epoch > 1);
    }

    [Fact]
    public async Task Restart_WithFileStore_KeepsClusterIdTopicIdsAndProducerIdsMonotonic()
    {
        using var dir = new TempDirectory();
        var options = new QuorumControllerOptions { NodeId = 1, DataDirectory = dir.Path };
        string clusterId;
        Guid topicId;
        long firstBlock, secondBlock;
        using (var controller = await OpenAsync(options))
        {
            clusterId = controller.Current.ClusterId;
            topicId = (await controller.CreateTopicAsync(Spec("t", 2), false, Ct)).TopicId;
            firstBlock = await controller.AllocateProducerIdBlockAsync(1000, Ct);
            secondBlock = await controller.AllocateProducerIdBlockAsync(1000, Ct);
        }

        using var restarted = await OpenAsync(options);
        var thirdBlock = await restarted.AllocateProducerIdBlockAsync(1000, Ct);

        Assert.Equal(clusterId, restarted.Current.ClusterId);
        Assert.Equal(22, clusterId.Length);
        Assert.Equal(topicId, restarted.Current.Topic("t")!.TopicId);
        Assert.Equal(0, firstBlock);
        Assert.Equal(1000, secondBlock);
        Assert.Equal(2000, thirdBlock);
        Assert.True(File.Exists(Path.Combine(dir.Path, "meta.properties")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "metadata", "__cluster_metadata-0", "00000000000000000000.log")));
    }

    [Fact]
    public async Task Open_OnDataDirectoryOfAnotherNode_IsRefused()
    {
        using var dir = new TempDirectory();
        (await OpenAsync(new QuorumControllerOptions { NodeId = 1, DataDirectory = dir.Path })).Dispose();

        using var other = new QuorumController(new QuorumControllerOptions { NodeId = 2, DataDirectory = dir.Path });
        Assert.Throws<InvalidDataException>(other.Open);
    }

    [Fact]
    public async Task Constructor_TouchesNothing_AndMutationsWaitForOpen()
    {
        using var dir = new TempDirectory();
        var dataDir = Path.Combine(dir.Path, "data");

        using var controller = new QuorumController(new QuorumControllerOptions { NodeId = 1, DataDirectory = dataDir });

        Assert.False(Directory.Exists(dataDir), "the constructor must not create the data dir");
        Assert.False(controller.IsOpen);
        await Assert.ThrowsAsync<InvalidOperationException>(() => controller.RegisterBrokerAsync("127.0.0.1", 9092, Ct));
    }

    [Fact]
    public async Task Subscriber_ThatThrows_DoesNotStopPublishing()
    {
        using var controller = await NewControllerAsync();
        var seen = 0;
        using var bad = controller.Subscribe((_, _) => throw new InvalidOperationException("boom"));
        using var good = controller.Subscribe((_, _) => seen++);

        await controller.CreateTopicAsync(Spec("t"), false, Ct);

        Assert.Equal(1, seen);
        Assert.NotNull(controller.Current.Topic("t"));
    }

    [Fact]
    public async Task InternalTopic_IsMarkedInternal()
    {
        using var controller = await NewControllerAsync();

        await controller.CreateTopicAsync(Spec(TopicNames.ConsumerOffsets, 3, configs: new() { ["cleanup.policy"] = "compact" }), false, Ct);

        Assert.True(controller.Current.Topic(TopicNames.ConsumerOffsets)!.IsInternal);
    }

    [Fact]
    public async Task RegisterBroker_EachStartIsANewIncarnationWithTheGivenListener()
    {
        var store = new InMemoryMetadataLogStore();
        using var controller = await NewControllerAsync(store);
        var offset = controller.Current.Offset;

        await controller.RegisterBrokerAsync("localhost", 40001, Ct);

        var broker = controller.Current.Brokers[1];
        Assert.Equal("localhost", broker.Host);
        Assert.Equal(40001, broker.Port);
        Assert.Equal(offset + 1, controller.Current.Offset);
        Assert.Equal(QuorumController.MetadataVersionLevel, Assert.Single(controller.FeatureLevels).Value);
    }
}
