using System.Text.Json;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Tests;

/// <summary>One three-node cluster shared by <see cref="ClusterForwardingTests"/>: started once, its brokers registered.</summary>
public sealed class ThreeNodeClusterFixture : IAsyncLifetime
{
    public GregorCluster Cluster { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Cluster = await GregorCluster.StartAsync();
        await Eventually.TrueAsync(async () => (await ClusterForwardingTests.BrokersAsync(Cluster, 1)).Count == 3, "3 brokers registered and unfenced", TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Admin requests sent to a node that is not the active controller (issue #11, forwarding) and
/// <c>gregor quorum describe</c>, against real <c>gregor serve</c> processes.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterForwardingTests(ThreeNodeClusterFixture fixture) : IClassFixture<ThreeNodeClusterFixture>
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;

    private GregorCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task CreatePartitionsAndTopicConfigs_ThroughANonControllerNode_AreCommittedAndSeenByEveryNode()
    {
        var (_, follower) = await LeaderAndFollowerAsync();
        const string topic = "forwarded-partitions";
        using var connection = await RawKafkaConnection.ConnectAsync(Cluster.BrokerEndPoint(follower));
        var created = await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, new CreateTopicsRequest
        {
            timeoutMs = 15_000,
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
        }, 7);
        Assert.Equal((short)ErrorCode.None, Assert.Single(created!.Topics).ErrorCode);

        var grown = await KafkaWire.RoundTripAsync<CreatePartitionsResponse>(connection, new CreatePartitionsRequest
        {
            TimeoutMs = 15_000,
            Topics = [new CreatePartitionsRequest.CreatePartitionsTopic { Name = topic, Count = 3, Assignments = null }],
        }, 3, correlationId: 2);
        var grownResult = Assert.Single(grown!.Results);
        Assert.True(grownResult.ErrorCode == 0, $"{(ErrorCode)grownResult.ErrorCode}: {grownResult.ErrorMessage}");

        var altered = await KafkaWire.RoundTripAsync<IncrementalAlterConfigsResponse>(connection, new IncrementalAlterConfigsRequest
        {
            Resources = [new IncrementalAlterConfigsRequest.AlterConfigsResource
            {
                ResourceType = TopicResource,
                ResourceName = topic,
                Configs = [new IncrementalAlterConfigsRequest.AlterableConfig { Name = "retention.ms", ConfigOperation = 0, Value = "123456" }],
            }],
        }, 1, correlationId: 3);
        Assert.Equal((short)ErrorCode.None, Assert.Single(altered!.Responses).ErrorCode);

        // The legacy AlterConfigs replaces the whole set: retention.ms goes, cleanup.policy comes.
        var replaced = await KafkaWire.RoundTripAsync<AlterConfigsResponse>(connection, new AlterConfigsRequest
        {
            Resources = [new AlterConfigsRequest.AlterConfigsResource
            {
                ResourceType = TopicResource,
                ResourceName = topic,
                Configs = [new AlterConfigsRequest.AlterableConfig { Name = "segment.ms", Value = "654321" }],
            }],
        }, 2, correlationId: 4);
        Assert.Equal((short)ErrorCode.None, Assert.Single(replaced!.Responses).ErrorCode);

        // A config the controller refuses comes back with the controller's error, not NOT_CONTROLLER.
        var refused = await KafkaWire.RoundTripAsync<IncrementalAlterConfigsResponse>(connection, new IncrementalAlterConfigsRequest
        {
            Resources = [new IncrementalAlterConfigsRequest.AlterConfigsResource
            {
                ResourceType = TopicResource,
                ResourceName = topic,
                Configs = [new IncrementalAlterConfigsRequest.AlterableConfig { Name = "retention.ms", ConfigOperation = 0, Value = "not-a-number" }],
            }],
        }, 1, correlationId: 5);
        Assert.Equal((short)ErrorCode.InvalidConfig, Assert.Single(refused!.Responses).ErrorCode);

        for (var id = 1; id <= 3; id++)
        {
            var node = id;
            await Eventually.TrueAsync(async () => await PartitionCountAsync(node, topic) == 3, $"node {node} sees 3 partitions of {topic}");
            await Eventually.TrueAsync(async () =>
            {
                var configs = await TopicOverridesAsync(node, topic);
                return configs.TryGetValue("segment.ms", out var segment) && segment == "654321" && !configs.ContainsKey("retention.ms");
            }, $"node {node} sees the replaced configs of {topic}");
        }
    }

    [Fact]
    public async Task BrokerConfigs_ThroughANonControllerNode_AlterItsOwnResource_AndRefuseAnotherBrokers()
    {
        var (leader, follower) = await LeaderAndFollowerAsync();
        using var connection = await RawKafkaConnection.ConnectAsync(Cluster.BrokerEndPoint(follower));
        IncrementalAlterConfigsRequest Alter(string resource) => new()
        {
            Resources = [new IncrementalAlterConfigsRequest.AlterConfigsResource
            {
                ResourceType = BrokerResource,
                ResourceName = resource,
                Configs = [new IncrementalAlterConfigsRequest.AlterableConfig { Name = "log.retention.ms", ConfigOperation = 0, Value = "3600000" }],
            }],
        };
        var own = await KafkaWire.RoundTripAsync<IncrementalAlterConfigsResponse>(connection, Alter($"{follower}"), 1);
        var ownResult = Assert.Single(own!.Responses);
        Assert.True(ownResult.ErrorCode == 0, $"{(ErrorCode)ownResult.ErrorCode}: {ownResult.ErrorMessage}");
        var other = await KafkaWire.RoundTripAsync<IncrementalAlterConfigsResponse>(connection, Alter($"{leader}"), 1, correlationId: 2);
        Assert.Equal((short)ErrorCode.InvalidRequest, Assert.Single(other!.Responses).ErrorCode);

        await Eventually.TrueAsync(async () =>
        {
            using var describe = await RawKafkaConnection.ConnectAsync(Cluster.BrokerEndPoint(follower));
            var response = await KafkaWire.RoundTripAsync<DescribeConfigsResponse>(describe, new DescribeConfigsRequest
            {
                Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = BrokerResource, ResourceName = $"{follower}", ConfigurationKeys = ["log.retention.ms"] }],
            }, 1);
            return response!.Results.Single().Configs.Any(c => c.Name == "log.retention.ms" && c.Value == "3600000");
        }, $"node {follower} reports its dynamic log.retention.ms");
    }

    [Fact]
    public async Task InitProducerId_ThroughANonControllerNode_GetsAProducerIdFromABlockTheControllerCommitted()
    {
        var (leader, _) = await LeaderAndFollowerAsync();
        var ids = new List<long>();
        foreach (var node in Enumerable.Range(1, 3).Where(n => n != leader))
        {
            using var connection = await RawKafkaConnection.ConnectAsync(Cluster.BrokerEndPoint(node));
            var response = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(connection, new InitProducerIdRequest
            {
                TransactionalId = null,
                TransactionTimeoutMs = -1,
                ProducerId = -1,
                ProducerEpoch = -1,
            }, 4);
            Assert.True(response!.ErrorCode == 0, $"node {node}: {(ErrorCode)response.ErrorCode}");
            Assert.True(response.ProducerId >= 0);
            ids.Add(response.ProducerId);
        }
        // Blocks come from one committed counter: two nodes never hand out the same id.
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task QuorumDescribe_ThroughAFollowersControllerListener_PrintsLeaderEpochVotersAndReplication()
    {
        var (leader, follower) = await LeaderAndFollowerAsync();
        var controller = $"127.0.0.1:{Cluster.Ports[follower - 1].Controller}";

        var (code, output) = await GregorProcess.RunToExitAsync(["quorum", "describe", "--status", "--bootstrap-server", Cluster.BootstrapServers(follower), "--output", "json"]);
        Assert.True(code == 0, output);
        using (var status = JsonDocument.Parse(output))
        {
            var root = status.RootElement;
            Assert.Equal(Cluster.ClusterId, root.GetProperty("clusterId").GetString());
            Assert.Equal(leader, root.GetProperty("leaderId").GetInt32());
            Assert.True(root.GetProperty("leaderEpoch").GetInt32() >= 1);
            Assert.True(root.GetProperty("highWatermark").GetInt64() > 0);
            Assert.Equal([1, 2, 3], root.GetProperty("currentVoters").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Empty(root.GetProperty("currentObservers").EnumerateArray());
        }

        (code, output) = await GregorProcess.RunToExitAsync(["quorum", "describe", "--status", "--bootstrap-controller", controller]);
        Assert.True(code == 0, output);
        Assert.Contains($"ClusterId:              {Cluster.ClusterId}", output, StringComparison.Ordinal);
        Assert.Contains($"LeaderId:               {leader}", output, StringComparison.Ordinal);
        Assert.Contains("CurrentVoters:          [1,2,3]", output, StringComparison.Ordinal);

        (code, output) = await GregorProcess.RunToExitAsync(["quorum", "describe", "--replication", "--bootstrap-controller", controller, "--output", "json"]);
        Assert.True(code == 0, output);
        using (var replication = JsonDocument.Parse(output))
        {
            var rows = replication.RootElement.EnumerateArray().ToList();
            Assert.Equal([1, 2, 3], rows.Select(r => r.GetProperty("nodeId").GetInt32()).Order());
            Assert.Equal("Leader", rows.Single(r => r.GetProperty("nodeId").GetInt32() == leader).GetProperty("status").GetString());
            Assert.Equal(2, rows.Count(r => r.GetProperty("status").GetString() == "Follower"));
            Assert.All(rows, r => Assert.True(r.GetProperty("logEndOffset").GetInt64() > 0 && r.GetProperty("lag").GetInt64() >= 0));
        }

        (code, output) = await GregorProcess.RunToExitAsync(["quorum", "describe", "--replication", "--bootstrap-controller", controller]);
        Assert.True(code == 0, output);
        Assert.StartsWith("NodeId", output, StringComparison.Ordinal);
        Assert.Contains("Leader", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuorumDescribe_AgainstAnAddressNobodyListensOn_ExitsFiveWithAClearMessage()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening: connections are refused

        var (code, output) = await GregorProcess.RunToExitAsync(["quorum", "describe", "--bootstrap-controller", $"127.0.0.1:{port}", "--timeout-ms", "2000"]);
        Assert.Equal(5, code);
        Assert.Contains("gregor quorum:", output, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", output, StringComparison.Ordinal);

        (code, output) = await GregorProcess.RunToExitAsync(["quorum", "describe", "--status", "--replication"]);
        Assert.Equal(1, code);
        Assert.Contains("one of --status and --replication", output, StringComparison.Ordinal);
    }

    private async Task<(int Leader, int Follower)> LeaderAndFollowerAsync()
    {
        int? leader = null;
        await Eventually.TrueAsync(async () => (leader = await ControllerSeenByAsync(1)) is not null, "node 1 knows the active controller", TimeSpan.FromSeconds(20));
        return (leader!.Value, leader.Value % 3 + 1);
    }

    private async Task<int?> ControllerSeenByAsync(int nodeId)
    {
        using var connection = await RawKafkaConnection.ConnectAsync(Cluster.BrokerEndPoint(nodeId));
        var response = await KafkaWire.RoundTripAsync<DescribeClusterResponse>(connection, new DescribeClusterRequest(), 0);
        return response is { ControllerId: >= 0 } r ? r.ControllerId : null;
    }

    private async Task<int> PartitionCountAsync(int nodeId, string topic)
    {
        using var connection = await RawKafkaConnection.ConnectAsync(Cluster.BrokerEndPoint(nodeId));
        var metadata = await KafkaWire.RoundTripAsync<MetadataResponse>(connection, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }] }, 12);
        return metadata!.Topics.SingleOrDefault(t => t.Name == topic && t.ErrorCode == 0)?.Partitions.Count ?? 0;
    }

    /// <summary>The configs set on <paramref name="topic"/> (source DYNAMIC_TOPIC_CONFIG) as node <paramref name="nodeId"/> describes them.</summary>
    private async Task<Dictionary<string, string?>> TopicOverridesAsync(int nodeId, string topic)
    {
        using var connection = await RawKafkaConnection.ConnectAsync(Cluster.BrokerEndPoint(nodeId));
        var response = await KafkaWire.RoundTripAsync<DescribeConfigsResponse>(connection, new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = TopicResource, ResourceName = topic, ConfigurationKeys = null }],
        }, 1);
        return response!.Results.Single().Configs.Where(c => c.ConfigSource == 1).ToDictionary(c => c.Name, c => c.Value);
    }

    internal static async Task<HashSet<int>> BrokersAsync(GregorCluster cluster, int nodeId)
    {
        try
        {
            using var connection = await RawKafkaConnection.ConnectAsync(cluster.BrokerEndPoint(nodeId));
            var metadata = await KafkaWire.RoundTripAsync<MetadataResponse>(connection, new MetadataRequest { Topics = [] }, 12);
            return metadata?.Brokers.Select(b => b.NodeId).ToHashSet() ?? [];
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return [];
        }
    }
}
