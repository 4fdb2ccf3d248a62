using System.Diagnostics;
using System.Globalization;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Tests;

/// <summary>
/// Section B of issue #11: real <c>gregor serve</c> processes forming a three-node KRaft cluster
/// (combined broker + controller nodes, static voters) on loopback.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterProcessTests
{
    /// <summary>Rounds of the kill -9 test; CI's default keeps the run short, GREGOR_CLUSTER_KILL_ROUNDS=20 runs the issue's twenty.</summary>
    private static int KillRounds =>
        int.TryParse(Environment.GetEnvironmentVariable("GREGOR_CLUSTER_KILL_ROUNDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 5;

    [Fact]
    public async Task ThreeNodes_EachListsThreeBrokers_AndATopicCreatedThroughAnyNodeAppearsOnAllWithinOneSecond()
    {
        await using var cluster = await GregorCluster.StartAsync();

        for (var id = 1; id <= 3; id++)
        {
            var node = id;
            await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, node)).Count == 3, $"node {node} lists 3 brokers");
            var kcat = await RunAsync("kcat", $"-L -b {cluster.BootstrapServers(node)} -m 5");
            Assert.Contains(" 3 brokers:", kcat, StringComparison.Ordinal);
        }
        for (var id = 1; id <= 3; id++)
        {
            var topic = $"through-{id}";
            var created = await ClusterClient.CreateTopicAsync(cluster, id, topic, partitions: 3);
            Assert.Equal(ErrorCode.None, created);
            var watch = Stopwatch.StartNew();
            for (var other = 1; other <= 3; other++)
            {
                var node = other;
                await Eventually.TrueAsync(async () => (await ClusterClient.TopicsAsync(cluster, node)).Contains(topic), $"{topic} on node {node}");
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{topic} took {watch.Elapsed.TotalMilliseconds:0} ms to appear on every node");
        }
    }

    [Fact]
    public async Task KillNineTheActiveController_SurvivorsElectAndServeAdmin_TheKilledNodeRejoinsWithEveryTopic()
    {
        await using var cluster = await GregorCluster.StartAsync();
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, 1)).Count == 3, "3 brokers registered and unfenced");
        var created = new List<string>();
        var failovers = new List<double>();
        for (var round = 0; round < KillRounds; round++)
        {
            var leader = await ClusterClient.ActiveControllerAsync(cluster, 1 + (round % 3));
            var survivors = Enumerable.Range(1, 3).Where(n => n != leader).ToArray();
            var watch = Stopwatch.StartNew();
            await cluster.KillAsync(leader);
            await Eventually.TrueAsync(async () => await ClusterClient.ControllerSeenByAsync(cluster, survivors[0]) is { } c && c != leader,
                "a survivor reports a new active controller", TimeSpan.FromSeconds(20));
            failovers.Add(watch.Elapsed.TotalMilliseconds);
            var topic = $"round-{round}";
            await Eventually.TrueAsync(async () => await ClusterClient.CreateTopicAsync(cluster, survivors[round % 2], topic, 1) is ErrorCode.None or ErrorCode.TopicAlreadyExists,
                $"{topic} created through node {survivors[round % 2]}", TimeSpan.FromSeconds(20));
            created.Add(topic);
            await cluster.RestartAsync(leader);
            await Eventually.TrueAsync(async () => (await ClusterClient.TopicsAsync(cluster, leader)).IsSupersetOf(created),
                $"node {leader} caught up with {created.Count} topics", TimeSpan.FromSeconds(20));
        }
        // Nothing committed is lost: every node replayed the same topics.
        var views = new List<HashSet<string>>();
        for (var id = 1; id <= 3; id++)
        {
            views.Add(await ClusterClient.TopicsAsync(cluster, id));
        }
        foreach (var view in views)
        {
            Assert.Superset(created.ToHashSet(), view);
            Assert.Equal(views[0].Order(), view.Order());
        }
        // ...and the same image: topic ids and replica assignments too.
        var images = new string?[3];
        await Eventually.TrueAsync(async () =>
        {
            for (var id = 1; id <= 3; id++)
            {
                images[id - 1] = await ClusterClient.ImageAsync(cluster, id);
            }
            return images.All(i => i is not null && i == images[0]);
        }, "every node replayed the same image (topics, ids, replicas)", TimeSpan.FromSeconds(20));
        failovers.Sort();
        Assert.True(failovers[^1] < 20_000, $"failover times (ms): {string.Join(", ", failovers.Select(f => f.ToString("0", CultureInfo.InvariantCulture)))}");
    }

    [Fact]
    public async Task SigstopABrokerPastItsSessionTimeout_ItIsFenced_AndAfterSigcontItIsBack()
    {
        await using var cluster = await GregorCluster.StartAsync(overrides: ["broker.session.timeout.ms=3000", "broker.heartbeat.interval.ms=500"]);
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, 1)).Count == 3, "3 brokers");
        var leader = await ClusterClient.ActiveControllerAsync(cluster, 1);
        var paused = Enumerable.Range(1, 3).First(n => n != leader);

        cluster.Node(paused).Pause(true);
        try
        {
            await Eventually.TrueAsync(async () => !(await ClusterClient.BrokersAsync(cluster, leader)).Contains(paused),
                $"paused broker {paused} is fenced (Metadata stops listing it)", TimeSpan.FromSeconds(20));
        }
        finally
        {
            cluster.Node(paused).Pause(false);
        }
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, leader)).Contains(paused),
            $"broker {paused} is listed again after SIGCONT", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task BadInputOnTheControllerListener_GetsErrorsOrAClosedConnection_AndTheNodeKeepsServing()
    {
        await using var cluster = await GregorCluster.StartAsync();
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, 1)).Count == 3, "3 brokers registered and unfenced");
        var leader = await ClusterClient.ActiveControllerAsync(cluster, 1);
        var target = Enumerable.Range(1, 3).First(n => n != leader);

        // Another cluster's vote: INCONSISTENT_CLUSTER_ID, nothing changes.
        using (var connection = await RawKafkaConnection.ConnectAsync(cluster.ControllerEndPoint(target)))
        {
            var vote = await KafkaWire.RoundTripAsync<VoteResponse>(connection, new VoteRequest
            {
                ClusterId = "AAAAAAAAAAAAAAAAAAAAAA",
                VoterId = target,
                Topics = [new VoteRequest.TopicData { TopicName = "__cluster_metadata", Partitions = [new VoteRequest.PartitionData { ReplicaEpoch = 1_000, ReplicaId = leader, LastOffsetEpoch = 1_000, LastOffset = 1_000_000 }] }],
            }, 2);
            Assert.Equal((short)ErrorCode.InconsistentClusterId, vote!.ErrorCode);

            // A stale epoch from our own cluster: answered, not granted.
            var stale = await KafkaWire.RoundTripAsync<VoteResponse>(connection, new VoteRequest
            {
                ClusterId = cluster.ClusterId,
                VoterId = target,
                Topics = [new VoteRequest.TopicData { TopicName = "__cluster_metadata", Partitions = [new VoteRequest.PartitionData { ReplicaEpoch = 0, ReplicaId = leader, LastOffsetEpoch = 0, LastOffset = 0 }] }],
            }, 2, correlationId: 2);
            var partition = Assert.Single(Assert.Single(stale!.Topics).Partitions);
            Assert.False(partition.VoteGranted);
        }
        // A malformed frame (a Vote whose body is cut short) closes that connection only.
        using (var connection = await RawKafkaConnection.ConnectAsync(cluster.ControllerEndPoint(target)))
        {
            var frame = KafkaWire.Request(new VoteRequest { ClusterId = cluster.ClusterId, Topics = [new VoteRequest.TopicData { TopicName = "__cluster_metadata", Partitions = [new VoteRequest.PartitionData()] }] }, 2, 7);
            await connection.SendFrameAsync(frame.AsSpan(0, frame.Length - 9));
            Assert.True(await connection.IsClosedByPeerAsync(TimeSpan.FromSeconds(10)));
        }
        // A Raft request for another partition is refused, not crashed on.
        using (var connection = await RawKafkaConnection.ConnectAsync(cluster.ControllerEndPoint(target)))
        {
            await connection.SendFrameAsync(KafkaWire.Request(new BeginQuorumEpochRequest
            {
                ClusterId = cluster.ClusterId,
                Topics = [new BeginQuorumEpochRequest.TopicData { TopicName = "not-metadata", Partitions = [new BeginQuorumEpochRequest.PartitionData { LeaderId = leader, LeaderEpoch = 99 }] }],
            }, 0, 3));
            // Either answer (a closed connection or an error) is acceptable; what matters is below.
            _ = await connection.ReceiveFrameAsync(TimeSpan.FromSeconds(10));
        }
        Assert.True(cluster.Node(target).IsRunning);
        var stillServing = await ClusterClient.CreateTopicAsync(cluster, target, "still-serving", 1);
        Assert.True(stillServing == ErrorCode.None, $"{stillServing}\n{cluster.Node(target).Output}\n=== leader\n{cluster.Node(leader).Output}");
        Assert.Equal(leader, await ClusterClient.ActiveControllerAsync(cluster, target));
    }

    private static async Task<string> RunAsync(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}

/// <summary>The cluster tests run one at a time: each starts three processes on a shared 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterProcessCollection
{
    public const string Name = "cluster processes";
}
