using System.Diagnostics;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Tests;

/// <summary>
/// Issue #11, process roles in real processes: three <c>process.roles=controller</c> nodes (the
/// voters, a CONTROLLER listener only) and two <c>process.roles=broker</c> nodes (a PLAINTEXT
/// listener only, observers of the metadata log), and what a controller listener serves.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterRolesTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly int[] Controllers = [1, 2, 3];
    private static readonly int[] Brokers = [4, 5];

    [Fact]
    public async Task ThreeControllersAndTwoBrokers_BrokersRegisterAndHoldEveryTopic_ControllerListenersServeOnlyControllerApis()
    {
        await using var cluster = await GregorCluster.StartAsync(new GregorClusterLayout { Nodes = 5, Roles = id => id <= 3 ? "controller" : "broker" });

        // The brokers register and are the only brokers anyone lists.
        foreach (var broker in Brokers)
        {
            var node = broker;
            await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, node)).SetEquals(Brokers), $"node {node} lists brokers 4 and 5", Bound);
            var kcat = await RunAsync("kcat", $"-L -b {cluster.BootstrapServers(node)} -m 5");
            Assert.Contains(" 2 brokers:", kcat, StringComparison.Ordinal);
            Assert.Contains($"broker 4 at {cluster.BootstrapServers(4)}", kcat, StringComparison.Ordinal);
            Assert.Contains($"broker 5 at {cluster.BootstrapServers(5)}", kcat, StringComparison.Ordinal);
        }

        // DescribeCluster through a broker names the active controller, the quorum's leader.
        var controller = await ClusterClient.ActiveControllerAsync(cluster, 4);
        Assert.Contains(controller, Controllers);
        Assert.Equal(controller, await ClusterClient.ActiveControllerAsync(cluster, 5));
        var status = await ClusterClient.QuorumStatusAsync(cluster, Controllers.First(c => c != controller));
        Assert.Equal(controller, status?.Leader);
        var (code, output) = await GregorProcess.RunToExitAsync(["quorum", "describe", "--status", "--bootstrap-server", cluster.BootstrapServers(4)]);
        Assert.True(code == 0, output);
        Assert.Contains("CurrentVoters:          [1,2,3]", output, StringComparison.Ordinal);
        Assert.Contains("CurrentObservers:       [4,5]", output, StringComparison.Ordinal);

        // Topics created through a broker are placed on brokers only, across both.
        Assert.Equal(ErrorCode.None, await ClusterClient.CreateTopicAsync(cluster, 4, "on-brokers", 6));
        MetadataResponse.MetadataResponseTopic? topic = null;
        await Eventually.TrueAsync(async () => (topic = (await ClusterClient.MetadataAsync(cluster, 5, ["on-brokers"]))?.Topics.SingleOrDefault(t => t.ErrorCode == 0)) is not null,
            "broker 5 sees on-brokers", Bound);
        var replicas = topic!.Partitions.SelectMany(p => p.ReplicaNodes).ToHashSet();
        Assert.Equal(6, topic.Partitions.Count);
        Assert.True(replicas.SetEquals(Brokers), $"replicas on [{string.Join(',', replicas)}]");
        Assert.All(topic.Partitions, p => Assert.Contains(p.LeaderId, Brokers));

        // A controller listener serves the controller APIs: a forwarded admin request to the active controller...
        using (var connection = await RawKafkaConnection.ConnectAsync(cluster.ControllerEndPoint(controller)))
        {
            var created = await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, new CreateTopicsRequest
            {
                timeoutMs = 15_000,
                Topics = [new CreateTopicsRequest.CreatableTopic { Name = "via-controller-listener", NumPartitions = 2, ReplicationFactor = 1 }],
            }, 7);
            Assert.Equal((short)ErrorCode.None, Assert.Single(created!.Topics).ErrorCode);
        }
        var follower = Controllers.First(c => c != controller);
        using (var connection = await RawKafkaConnection.ConnectAsync(cluster.ControllerEndPoint(follower)))
        {
            // ...ApiVersions listing only those (Raft, registration, forwarded admin; no Produce, Metadata or groups)...
            var versions = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(connection, new ApiVersionsRequest { ClientSoftwareName = "gregor-test", ClientSoftwareVersion = "1" }, 3);
            var keys = versions!.ApiKeys.Select(k => (ApiKey)k.ApiKey).ToHashSet();
            Assert.Superset(new HashSet<ApiKey> { ApiKey.ApiVersions, ApiKey.Vote, ApiKey.BeginQuorumEpoch, ApiKey.EndQuorumEpoch, ApiKey.Fetch, ApiKey.FetchSnapshot, ApiKey.DescribeQuorum, ApiKey.BrokerRegistration, ApiKey.BrokerHeartbeat, ApiKey.CreateTopics, ApiKey.AllocateProducerIds }, keys);
            Assert.DoesNotContain(ApiKey.Produce, keys);
            Assert.DoesNotContain(ApiKey.Metadata, keys);
            Assert.DoesNotContain(ApiKey.FindCoordinator, keys);
            Assert.DoesNotContain(ApiKey.JoinGroup, keys);

            // ...a Fetch of anything but the metadata partition: INVALID_REQUEST, as Kafka's Raft client answers.
            var fetch = await KafkaWire.RoundTripAsync<FetchResponse>(connection, new FetchRequest
            {
                MaxWaitMs = 0,
                Topics = [new FetchRequest.FetchTopic { Topic = "on-brokers", Partitions = [new FetchRequest.FetchPartition { Partition = 0, PartitionMaxBytes = 1024 }] }],
            }, 12, correlationId: 2);
            Assert.Equal((short)ErrorCode.InvalidRequest, fetch!.ErrorCode);

            // ...and a client API closes the connection, as Kafka does for an API not enabled on a listener.
            await connection.SendFrameAsync(KafkaWire.Request(new MetadataRequest { Topics = null }, 12, 3));
            Assert.True(await connection.IsClosedByPeerAsync(TimeSpan.FromSeconds(10)), "Metadata on a controller listener closes the connection");
        }
        using (var connection = await RawKafkaConnection.ConnectAsync(cluster.ControllerEndPoint(follower)))
        {
            await connection.SendFrameAsync(KafkaWire.Request(new ProduceRequest { Acks = -1, TimeoutMs = 1000, TopicData = [] }, 9, 1));
            Assert.True(await connection.IsClosedByPeerAsync(TimeSpan.FromSeconds(10)), "Produce on a controller listener closes the connection");
        }
        Assert.All(Enumerable.Range(1, 5), id => Assert.True(cluster.Node(id).IsRunning, $"node {id} is running"));
        foreach (var broker in Brokers)
        {
            var node = broker;
            await Eventually.TrueAsync(async () => (await ClusterClient.TopicsAsync(cluster, node)).SetEquals(["on-brokers", "via-controller-listener"]), $"broker {node} has both topics", Bound);
        }

        // A broker-only node's SIGTERM is a controlled shutdown through the controllers: it exits 0,
        // drops out of Metadata, and registers again when it comes back.
        Assert.Equal(0, await cluster.Node(5).StopAsync());
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, 4)).SetEquals([4]), "broker 5 is no longer listed", Bound);
        await cluster.RestartAsync(5, kill: false);
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, 4)).SetEquals(Brokers), "broker 5 is listed again", Bound);
        await Eventually.TrueAsync(async () => (await ClusterClient.TopicsAsync(cluster, 5)).SetEquals(["on-brokers", "via-controller-listener"]), "broker 5 has both topics after its restart", Bound);
    }

    private static async Task<string> RunAsync(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output + await error;
    }
}
