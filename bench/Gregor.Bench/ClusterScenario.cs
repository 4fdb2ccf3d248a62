using System.Diagnostics;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Bench;

/// <summary>
/// Issue #11's cluster benchmark on real processes (three combined nodes on loopback, default
/// Raft timeouts: election 1000 ms, fetch 2000 ms): metadata throughput through the quorum and
/// through a single node, controller failover after SIGKILL of the active controller, and broker
/// fencing after SIGSTOP. Each probe is one Kafka request to one chosen node over its own
/// connection (<see cref="KafkaWireClient"/>), polled every <see cref="PollMs"/> ms.
/// Not thread-safe; one run at a time.
/// </summary>
internal sealed class ClusterScenario(string gregorDll, string directory, Action<string> log)
{
    public const string ThroughputName = "cluster: metadata throughput";
    public const string FailoverName = "cluster: controller failover (kill -9)";
    public const string FencingName = "cluster: broker fencing (SIGSTOP)";

    /// <summary>Batched mode: topics per CreateTopics request (a Kafka admin client sends one request per createTopics call, with every topic of the call).</summary>
    public const int BatchSize = 100;

    private const int PollMs = 10;
    private const int WarmUpTopics = 10;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RoundLimit = TimeSpan.FromSeconds(60);

    /// <summary>Runs the selected parts; a part that fails becomes a note and the others still run.</summary>
    public async Task<ClusterResult> RunAsync(bool throughput, bool failover, bool fencing, int topics, int failoverRounds, int fencingRounds, int sessionTimeoutMs)
    {
        // Heartbeats stay at a fifth of the session (Kafka: 2 s of 9 s), so a shorter session still tolerates a late heartbeat.
        var heartbeatMs = Math.Min(2000, Math.Max(100, sessionTimeoutMs / 4));
        var result = new ClusterResult { SessionTimeoutMs = sessionTimeoutMs, HeartbeatIntervalMs = heartbeatMs };
        var clusterDir = Directory.CreateDirectory(Path.Combine(directory, "cluster3"));
        ClusterNodes cluster;
        try
        {
            cluster = await ClusterNodes.StartAsync(gregorDll, clusterDir.FullName, 3,
                [$"broker.session.timeout.ms={sessionTimeoutMs}", $"broker.heartbeat.interval.ms={heartbeatMs}"]);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            result.Notes.Add($"cluster: could not start three nodes ({e.GetType().Name}: {e.Message})");
            log($"cluster: FAILED to start: {e.Message}");
            return result;
        }
        await using (cluster)
        {
            log($"cluster of 3 started (pids {string.Join(", ", cluster.Nodes.Select(n => n.Pid))})");
            if (throughput)
            {
                result.LoadDuringThroughput = MachineLimits.LoadAverage();
                await Part(result, ThroughputName, async () =>
                {
                    // The single node runs beside the (idle) cluster and the measurements alternate
                    // between them, so that the load of this shared machine, which drifts by tens
                    // within minutes, falls on both alike.
                    var singleDir = Directory.CreateDirectory(Path.Combine(directory, "cluster1"));
                    await using var single = await ClusterNodes.StartAsync(gregorDll, singleDir.FullName, 1, []);
                    await StableAsync(single, "single node");
                    var leader = await StableAsync(cluster, "throughput");
                    var follower = cluster.Nodes.First(n => n.NodeId != leader);
                    var active = cluster.Node(leader);
                    var created = new Dictionary<ClusterNode, int>();
                    foreach (var (node, perRequest, target) in new[]
                    {
                        (single.Node(1), 1, "single node"),
                        (active, 1, "3-node quorum, through the active controller"),
                        (follower, 1, "3-node quorum, through a follower (forwarded)"),
                        (single.Node(1), BatchSize, "single node"),
                        (active, BatchSize, "3-node quorum, through the active controller"),
                    })
                    {
                        // Both forwarded and direct creates land in the same quorum: count its topics once.
                        var key = node == single.Node(1) ? node : active;
                        var before = created.GetValueOrDefault(key);
                        var measured = await CreateTopicsAsync(node, $"n{node.NodeId}-{target.Length}-b{perRequest}", topics, perRequest, target) with { TopicsBefore = before };
                        created[key] = before + topics + WarmUpTopics;
                        result.Throughput.Add(measured);
                        log(Line(measured));
                    }
                });
            }
            if (failover)
            {
                result.LoadDuringFailover = MachineLimits.LoadAverage();
                await Part(result, FailoverName, async () =>
                {
                    for (var round = 1; round <= failoverRounds; round++)
                    {
                        var measured = await FailoverAsync(cluster, round);
                        result.Failovers.Add(measured);
                        log($"failover {round}/{failoverRounds}: killed node {measured.KilledNode}, new leader {measured.NewLeader} after {measured.LeaderMs:F0} ms, admin through node {measured.AdminThrough} after {measured.AdminMs:F0} ms ({measured.AdminAttempts}), killed node back and caught up {measured.RejoinMs:F0} ms after its restart (load {MachineLimits.LoadAverage()})");
                    }
                });
            }
            if (fencing)
            {
                result.LoadDuringFencing = MachineLimits.LoadAverage();
                await Part(result, FencingName, async () =>
                {
                    for (var round = 1; round <= fencingRounds; round++)
                    {
                        var measured = await FencingAsync(cluster, round);
                        result.Fencings.Add(measured);
                        log($"fencing {round}/{fencingRounds}: node {measured.PausedNode} SIGSTOPped, unlisted after {measured.FencedMs:F0} ms (session {sessionTimeoutMs} ms); listed again {measured.BackMs:F0} ms after SIGCONT");
                    }
                });
            }
        }
        return result;
    }

    private async Task Part(ClusterResult result, string name, Func<Task> run)
    {
        try
        {
            await run();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            result.Notes.Add($"{name}: failed ({e.GetType().Name}: {e.Message})");
            log($"{name}: FAILED {e.Message}");
        }
    }

    // Consecutive equal outcomes folded: "NotController × 12 (…), None after 35 ms".
    private static string Summarize(List<string> attempts)
    {
        var parts = new List<string>();
        for (var i = 0; i < attempts.Count;)
        {
            var kind = attempts[i].Split(" after ")[0];
            var j = i;
            while (j < attempts.Count && attempts[j].Split(" after ")[0] == kind)
            {
                j++;
            }
            parts.Add(j - i == 1 ? attempts[i] : $"{kind} × {j - i}");
            i = j;
        }
        return string.Join(", ", parts);
    }

    private static string Line(MetadataThroughput m) =>
        $"metadata throughput, {m.Target}, {m.TopicsPerRequest} topic{(m.TopicsPerRequest > 1 ? "s" : "")} per request: {m.Topics} topics in {m.Seconds:F2} s = {m.TopicsPerSecond:F0} topics/s (first tenth {m.FirstTenthPerSecond:F0}/s, last tenth {m.LastTenthPerSecond:F0}/s, {m.TopicsBefore} topics before, load {m.Load}){(m.Errors > 0 ? $", {m.Errors} errors" : "")}";

    /// <summary>
    /// Creates <paramref name="topics"/> topics (1 partition, replication factor 1: the data plane
    /// is not what is measured) through <paramref name="node"/> over one connection, one request
    /// in flight, each answered only once its records committed. A few topics first, unmeasured,
    /// so JIT and connection set-up stay out of the figure.
    /// </summary>
    private static async Task<MetadataThroughput> CreateTopicsAsync(ClusterNode node, string prefix, int topics, int perRequest, string target)
    {
        var load = MachineLimits.LoadAverage().Split(' ')[0];
        using var client = await KafkaWireClient.ConnectAsync(node.BrokerEndPoint, ProbeTimeout);
        for (var i = 0; i < WarmUpTopics; i++)
        {
            await CreateAsync(client, [$"{prefix}-warm-{i}"]);
        }
        var errors = 0;
        var ends = new List<(int Created, double Seconds)>();
        var watch = Stopwatch.StartNew();
        for (var first = 0; first < topics; first += perRequest)
        {
            var names = Enumerable.Range(first, Math.Min(perRequest, topics - first)).Select(i => $"{prefix}-{i}").ToList();
            var codes = await CreateAsync(client, names);
            errors += codes.Count(c => c != ErrorCode.None);
            ends.Add((first + names.Count, watch.Elapsed.TotalSeconds));
        }
        watch.Stop();
        // Rate over the first and the last tenth of the requests (at least one each).
        var tenth = Math.Max(1, ends.Count / 10);
        var firstRate = ends[tenth - 1].Created / ends[tenth - 1].Seconds;
        var lastStart = ends.Count - tenth - 1 >= 0 ? ends[ends.Count - tenth - 1] : (0, 0.0);
        var lastRate = (ends[^1].Created - lastStart.Item1) / Math.Max(1e-9, ends[^1].Seconds - lastStart.Item2);
        return new MetadataThroughput(target, topics, perRequest, watch.Elapsed.TotalSeconds, errors)
        {
            FirstTenthPerSecond = firstRate,
            LastTenthPerSecond = lastRate,
            Load = load,
        };
    }

    private static async Task<List<ErrorCode>> CreateAsync(KafkaWireClient client, IReadOnlyList<string> names)
    {
        var response = await client.RoundTripAsync<CreateTopicsResponse>(new CreateTopicsRequest
        {
            timeoutMs = (int)AdminTimeout.TotalMilliseconds,
            Topics = [.. names.Select(n => new CreateTopicsRequest.CreatableTopic { Name = n, NumPartitions = 1, ReplicationFactor = 1 })],
        }, 7, AdminTimeout + TimeSpan.FromSeconds(5));
        return [.. response.Topics.Select(t => (ErrorCode)t.ErrorCode)];
    }

    private async Task<FailoverRound> FailoverAsync(ClusterNodes cluster, int round)
    {
        var leader = await StableAsync(cluster, $"failover round {round}");
        var killed = cluster.Node(leader);
        var survivors = cluster.Nodes.Where(n => n.NodeId != leader).ToArray();
        var topic = $"failover-{round}";
        var watch = Stopwatch.StartNew();
        // Each probe takes its time when it completes (both run at once).
        async Task<(int Value, double Ms)> Timed(Task<int> task)
        {
            var value = await task;
            return (value, watch.Elapsed.TotalMilliseconds);
        }
        killed.Kill();
        var newLeaderTask = Timed(PollAsync(async () =>
        {
            foreach (var survivor in survivors)
            {
                if (await ControllerSeenByAsync(survivor) is { } seen && seen != leader)
                {
                    return (int?)seen;
                }
            }
            return null;
        }, $"a survivor of round {round} names a new leader"));
        // The survivor asked alternates by round: sometimes the new leader itself, sometimes a node that forwards.
        var through = survivors[round % survivors.Length];
        // What each attempt got (an error code, or "no answer" for a timeout or closed connection): the report shows where the time went.
        var attempts = new List<string>();
        var adminTask = Timed(PollAsync(async () =>
        {
            var attempt = Stopwatch.StartNew();
            var code = await CreateTopicAsync(through, topic);
            attempts.Add($"{code?.ToString() ?? "no answer"} after {attempt.Elapsed.TotalMilliseconds:F0} ms");
            return code is ErrorCode.None or ErrorCode.TopicAlreadyExists ? 1 : null;
        }, $"CreateTopics {topic} through node {through.NodeId}"));
        var (newLeader, leaderMs) = await newLeaderTask;
        var (_, adminMs) = await adminTask;
        var rejoin = Stopwatch.StartNew();
        await killed.StartAsync();
        await PollAsync(async () => await TopicKnownAsync(killed, topic) && (await BrokersAsync(killed)).Count == 3 ? (int?)1 : null,
            $"node {killed.NodeId} back with topic {topic}");
        return new FailoverRound(round, leader, newLeader, leaderMs, adminMs, rejoin.Elapsed.TotalMilliseconds)
        {
            AdminThrough = through.NodeId,
            AdminAttempts = Summarize(attempts),
        };
    }

    private async Task<FencingRound> FencingAsync(ClusterNodes cluster, int round)
    {
        var leader = await StableAsync(cluster, $"fencing round {round}");
        var followers = cluster.Nodes.Where(n => n.NodeId != leader).ToArray();
        var paused = followers[round % followers.Length];
        var observer = cluster.Node(leader);
        var watch = Stopwatch.StartNew();
        paused.Pause(true);
        double fencedMs;
        try
        {
            await PollAsync(async () => await BrokersAsync(observer) is { Count: > 0 } brokers && !brokers.Contains(paused.NodeId) ? (int?)1 : null,
                $"paused node {paused.NodeId} unlisted by node {observer.NodeId}");
            fencedMs = watch.Elapsed.TotalMilliseconds;
        }
        finally
        {
            paused.Pause(false);
        }
        watch.Restart();
        await PollAsync(async () => (await BrokersAsync(observer)).Contains(paused.NodeId) ? (int?)1 : null,
            $"node {paused.NodeId} listed again by node {observer.NodeId}");
        return new FencingRound(round, paused.NodeId, fencedMs, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>Waits until every node names the same active controller and it lists every node as an unfenced broker; returns that controller.</summary>
    private static async Task<int> StableAsync(ClusterNodes cluster, string what) =>
        await PollAsync(async () =>
        {
            var seen = new HashSet<int>();
            foreach (var node in cluster.Nodes)
            {
                if (await ControllerSeenByAsync(node) is not { } controller)
                {
                    return null;
                }
                seen.Add(controller);
            }
            if (seen.Count != 1)
            {
                return null;
            }
            var leader = seen.Single();
            return (await BrokersAsync(cluster.Node(leader))).Count == cluster.Nodes.Count ? leader : (int?)null;
        }, $"{what}: one active controller known to every node, every broker unfenced", TimeSpan.FromMinutes(2));

    private static async Task<int> PollAsync(Func<Task<int?>> probe, string what, TimeSpan? limit = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (deadline.Elapsed > (limit ?? RoundLimit))
            {
                throw new TimeoutException($"timed out after {(limit ?? RoundLimit).TotalSeconds:F0} s waiting for: {what}");
            }
            await Task.Delay(PollMs);
        }
    }

    private static async Task<int?> ControllerSeenByAsync(ClusterNode node)
    {
        var response = await TryAsync<DescribeClusterResponse>(node, new DescribeClusterRequest(), 0, ProbeTimeout);
        return response is { ErrorCode: 0, ControllerId: >= 0 } r ? r.ControllerId : null;
    }

    /// <summary>The brokers node lists in Metadata (asked for no topics, so the answer stays small with thousands of them).</summary>
    private static async Task<HashSet<int>> BrokersAsync(ClusterNode node) =>
        (await TryAsync<MetadataResponse>(node, new MetadataRequest { Topics = [] }, 12, ProbeTimeout))?.Brokers.Select(b => b.NodeId).ToHashSet() ?? [];

    private static async Task<bool> TopicKnownAsync(ClusterNode node, string topic) =>
        (await TryAsync<MetadataResponse>(node, new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }] }, 12, ProbeTimeout))
            ?.Topics is [{ ErrorCode: 0 }];

    private static async Task<ErrorCode?> CreateTopicAsync(ClusterNode node, string topic)
    {
        var response = await TryAsync<CreateTopicsResponse>(node, new CreateTopicsRequest
        {
            timeoutMs = 5_000,
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
        }, 7, TimeSpan.FromSeconds(10));
        return response?.Topics is [var only] ? (ErrorCode)only.ErrorCode : null;
    }

    /// <summary>One request over a fresh connection; null when the node is down, closes the connection or does not answer in time.</summary>
    private static async Task<T?> TryAsync<T>(ClusterNode node, IRequestMessage request, short version, TimeSpan timeout)
        where T : class, IResponseMessage, new()
    {
        if (!node.IsRunning)
        {
            return null;
        }
        try
        {
            using var client = await KafkaWireClient.ConnectAsync(node.BrokerEndPoint, timeout);
            return await client.RoundTripAsync<T>(request, version, timeout);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException or Gregor.Protocol.ProtocolException)
        {
            return null;
        }
    }
}
