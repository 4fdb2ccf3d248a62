using Gregor.Cli.Client;
using Gregor.Protocol.Messages;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor quorum describe --status|--replication</c>: the metadata quorum as Kafka's
/// <c>kafka-metadata-quorum.sh describe</c> prints it, from DescribeQuorum (which any node
/// answers, a follower by asking the leader) and, for the cluster id, Metadata. Stateless.
/// </summary>
internal static class QuorumCommand
{
    public const string Usage = """
        Usage: gregor quorum describe [--status | --replication] [options]

          describe --status        cluster id, leader, epoch, high watermark, max follower lag, voters, observers (default)
          describe --replication   per replica: node id, log end offset, lag behind the leader, last fetch, status

        Options:
          --bootstrap-controller HOST:PORT[,…]  a controller listener to ask (or a broker: --bootstrap-server)
          --output table|json                    human text (default) or JSON for scripts
          --timeout-ms N                         per request (default 10000)

        Exit codes: 0 done, 1 bad arguments, 5 node unreachable, 6 Kafka error (e.g. no leader elected yet).
        """;

    private const string MetadataTopic = "__cluster_metadata";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var parsed = ClientArguments.Parse(args, ["--bootstrap-controller"], ["--status", "--replication"]);
        if (parsed.Help || parsed.Positionals.Count == 0)
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return parsed.Help ? ClientExitCodes.Success : ClientExitCodes.Usage;
        }
        if (parsed.Positionals[0] != "describe")
        {
            throw new UsageException($"unknown quorum command \"{parsed.Positionals[0]}\" (describe)");
        }
        parsed.ExpectPositionals(1);
        if (parsed.Flag("--status") && parsed.Flag("--replication"))
        {
            throw new UsageException("give one of --status and --replication");
        }
        if (parsed.Value("--bootstrap-controller") is not null && parsed.Value("--bootstrap-server") is not null)
        {
            throw new UsageException("give one of --bootstrap-controller and --bootstrap-server");
        }
        var bootstrap = parsed.Value("--bootstrap-controller") ?? parsed.BootstrapServers;
        await using var client = new KafkaClient(bootstrap, parsed.Timeout);
        var response = await client.SendAnyAsync<DescribeQuorumResponse>(new DescribeQuorumRequest
        {
            Topics = [new DescribeQuorumRequest.TopicData { TopicName = MetadataTopic, Partitions = [new DescribeQuorumRequest.PartitionData()] }],
        }, 1, cancellationToken).ConfigureAwait(false);
        KafkaClient.Check(response.ErrorCode, response.ErrorMessage, "describe quorum");
        var partition = response.Topics.SelectMany(t => t.Partitions).FirstOrDefault()
            ?? throw new KafkaClientException(ClientExitCodes.KafkaError, "describe quorum: the answer names no metadata partition");
        KafkaClient.Check(partition.ErrorCode, partition.ErrorMessage, "describe quorum");
        var leaderEnd = partition.CurrentVoters.FirstOrDefault(v => v.ReplicaId == partition.LeaderId)?.LogEndOffset ?? partition.HighWatermark;
        long Lag(DescribeQuorumResponse.ReplicaState replica) => Math.Max(0, leaderEnd - replica.LogEndOffset);
        var json = parsed.Json;
        if (parsed.Flag("--replication"))
        {
            var replicas = partition.CurrentVoters
                .OrderBy(v => v.ReplicaId != partition.LeaderId).ThenBy(v => v.ReplicaId)
                .Select(v => (Replica: v, Status: v.ReplicaId == partition.LeaderId ? "Leader" : "Follower"))
                .Concat(partition.Observers.OrderBy(o => o.ReplicaId).Select(o => (Replica: o, Status: "Observer")))
                .Select(r => new
                {
                    nodeId = r.Replica.ReplicaId,
                    logEndOffset = r.Replica.LogEndOffset,
                    lag = Lag(r.Replica),
                    lastFetchTimestamp = r.Replica.LastFetchTimestamp,
                    lastCaughtUpTimestamp = r.Replica.LastCaughtUpTimestamp,
                    status = r.Status,
                })
                .ToList();
            await output.WriteLineAsync(json
                ? OutputFormatter.Json(replicas)
                : OutputFormatter.Table(["NodeId", "LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"],
                    replicas.Select(r => (IReadOnlyList<object?>)[r.nodeId, r.logEndOffset, r.lag, r.lastFetchTimestamp, r.lastCaughtUpTimestamp, r.status]))).ConfigureAwait(false);
            return ClientExitCodes.Success;
        }
        var clusterId = await ClusterIdAsync(client, cancellationToken).ConfigureAwait(false);
        var status = new
        {
            clusterId,
            leaderId = partition.LeaderId,
            leaderEpoch = partition.LeaderEpoch,
            highWatermark = partition.HighWatermark,
            maxFollowerLag = partition.CurrentVoters.Count == 0 ? 0 : partition.CurrentVoters.Max(Lag),
            currentVoters = partition.CurrentVoters.Select(v => v.ReplicaId).Order().ToList(),
            currentObservers = partition.Observers.Select(o => o.ReplicaId).Order().ToList(),
        };
        await output.WriteLineAsync(json
            ? OutputFormatter.Json(status)
            : $"""
              ClusterId:              {status.clusterId ?? "-"}
              LeaderId:               {status.leaderId}
              LeaderEpoch:            {status.leaderEpoch}
              HighWatermark:          {status.highWatermark}
              MaxFollowerLag:         {status.maxFollowerLag}
              CurrentVoters:          [{string.Join(',', status.currentVoters)}]
              CurrentObservers:       [{string.Join(',', status.currentObservers)}]
              """).ConfigureAwait(false);
        return ClientExitCodes.Success;
    }

    /// <summary>
    /// The cluster id from DescribeCluster, which both broker and controller listeners serve (as
    /// kafka-metadata-quorum.sh asks it, KIP-919); null when the node does not answer it.
    /// </summary>
    private static async Task<string?> ClusterIdAsync(KafkaClient client, CancellationToken cancellationToken)
    {
        try
        {
            var cluster = await client.SendAnyAsync<DescribeClusterResponse>(new DescribeClusterRequest(), 0, cancellationToken).ConfigureAwait(false);
            return cluster.ClusterId;
        }
        catch (KafkaClientException)
        {
            return null;
        }
    }
}
