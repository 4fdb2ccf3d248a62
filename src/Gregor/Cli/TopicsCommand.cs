using Gregor.Cli.Client;
using Gregor.Protocol.Messages;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor topics list|create|describe|alter|delete</c> over Kafka's protocol (Metadata,
/// CreateTopics, ListOffsets, DescribeConfigs, IncrementalAlterConfigs, CreatePartitions,
/// DeleteTopics), like kafka-topics.sh. Stateless.
/// </summary>
internal static class TopicsCommand
{
    public const string Usage = """
        Usage: gregor topics <list|create|describe|alter|delete> [TOPIC] [options]

          list                          topics (--internal to include internal ones)
          create TOPIC                  [--partitions N] [--replication-factor N] [--config KEY=VALUE]...
          describe TOPIC                partitions (leader, epoch, replicas, ISR, offline replicas, start and end offsets) and configs set on it
          alter TOPIC                   [--config KEY=VALUE]... [--delete-config KEY]... [--partitions N (grow)]
          delete TOPIC

        Options for every command:
          --bootstrap-server HOST:PORT[,…]  a broker to ask first (default 127.0.0.1:9092)
          --output table|json                human table (default) or JSON for scripts
          --timeout-ms N                     per request (default 10000)

        Exit codes: 0 done, 1 bad arguments, 5 broker unreachable, 6 Kafka error, 7 topic not found.
        """;

    private const sbyte TopicResource = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var parsed = ClientArguments.Parse(args, ["--partitions", "--replication-factor", "--config", "--delete-config"], ["--internal"]);
        if (parsed.Help || parsed.Positionals.Count == 0)
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return parsed.Help ? ClientExitCodes.Success : ClientExitCodes.Usage;
        }
        var action = parsed.Positionals[0];
        var json = parsed.Json;
        await using var client = new KafkaClient(parsed.BootstrapServers, parsed.Timeout);
        string result = action switch
        {
            "list" => await ListAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            "create" => await CreateAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            "describe" => await DescribeAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            "alter" => await AlterAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            "delete" => await DeleteAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            _ => throw new UsageException($"unknown topics command \"{action}\" (list, create, describe, alter, delete)"),
        };
        await output.WriteLineAsync(result).ConfigureAwait(false);
        return ClientExitCodes.Success;
    }

    private static async Task<string> ListAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        args.ExpectPositionals(1);
        var metadata = await client.MetadataAsync(null, cancellationToken).ConfigureAwait(false);
        var topics = metadata.Topics
            .Where(t => t.ErrorCode == 0 && (args.Flag("--internal") || !t.IsInternal))
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => new
            {
                name = t.Name!,
                partitions = t.Partitions.Count,
                replicationFactor = t.Partitions.Count == 0 ? 0 : t.Partitions.Max(p => p.ReplicaNodes.Count),
                @internal = t.IsInternal,
            })
            .ToList();
        return json
            ? OutputFormatter.Json(topics)
            : OutputFormatter.Table(["TOPIC", "PARTITIONS", "REPLICATION-FACTOR", "INTERNAL"], topics.Select(t => (IReadOnlyList<object?>)[t.name, t.partitions, t.replicationFactor, t.@internal ? "yes" : "no"]));
    }

    private static async Task<string> CreateAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        var name = args.Positional(1, "topic name");
        args.ExpectPositionals(2);
        var request = new CreateTopicsRequest
        {
            timeoutMs = (int)args.Timeout.TotalMilliseconds,
            Topics =
            [
                new CreateTopicsRequest.CreatableTopic
                {
                    Name = name,
                    NumPartitions = args.Int("--partitions", -1, min: 1),
                    ReplicationFactor = (short)args.Int("--replication-factor", -1, min: 1),
                    Configs = [.. args.Pairs("--config").Select(p => new CreateTopicsRequest.CreatableTopicConfig { Name = p.Key, Value = p.Value })],
                },
            ],
        };
        var response = await client.SendToControllerAsync<CreateTopicsResponse>(request, 5, cancellationToken).ConfigureAwait(false);
        var created = response.Topics.Single();
        KafkaClient.Check(created.ErrorCode, created.ErrorMessage, $"cannot create topic \"{name}\"");
        return json
            ? OutputFormatter.Json(new { name, partitions = created.NumPartitions, replicationFactor = created.ReplicationFactor })
            : $"created topic {name} ({created.NumPartitions} partitions, replication factor {created.ReplicationFactor})";
    }

    private static async Task<string> DescribeAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        var name = args.Positional(1, "topic name");
        args.ExpectPositionals(2);
        var (metadata, topic) = await client.TopicAsync(name, cancellationToken).ConfigureAwait(false);
        var partitions = new List<(MetadataResponse.MetadataResponsePartition Partition, long? Start, long? End)>();
        foreach (var partition in topic.Partitions.OrderBy(p => p.PartitionIndex))
        {
            var start = await OffsetAsync(client, metadata, name, partition, -2, cancellationToken).ConfigureAwait(false);
            var end = await OffsetAsync(client, metadata, name, partition, -1, cancellationToken).ConfigureAwait(false);
            partitions.Add((partition, start, end));
        }
        var configs = await client.SendAnyAsync<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = TopicResource, ResourceName = name, ConfigurationKeys = null }],
        }, 1, cancellationToken).ConfigureAwait(false);
        var described = configs.Results.Single();
        KafkaClient.Check(described.ErrorCode, described.ErrorMessage, $"configs of topic \"{name}\"");
        // Source 1 is DYNAMIC_TOPIC_CONFIG: what was set on this topic.
        var overrides = described.Configs.Where(c => c.ConfigSource == 1).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        if (json)
        {
            return OutputFormatter.Json(new
            {
                name,
                topicId = topic.TopicId == Guid.Empty ? (Guid?)null : topic.TopicId,
                @internal = topic.IsInternal,
                partitions = partitions.Select(p => new
                {
                    partition = p.Partition.PartitionIndex,
                    leader = p.Partition.LeaderId,
                    replicas = p.Partition.ReplicaNodes,
                    isr = p.Partition.IsrNodes,
                    offline = p.Partition.OfflineReplicas,
                    leaderEpoch = p.Partition.LeaderEpoch,
                    startOffset = p.Start,
                    endOffset = p.End,
                }),
                configs = described.Configs.OrderBy(c => c.Name, StringComparer.Ordinal).ToDictionary(c => c.Name, c => c.IsSensitive ? null : c.Value),
                overrides = overrides.Select(c => c.Name),
            });
        }
        var table = OutputFormatter.Table(
            ["PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR", "OFFLINE", "START-OFFSET", "END-OFFSET"],
            partitions.Select(p => (IReadOnlyList<object?>)[p.Partition.PartitionIndex, p.Partition.LeaderId, p.Partition.LeaderEpoch, p.Partition.ReplicaNodes, p.Partition.IsrNodes, p.Partition.OfflineReplicas, p.Start, p.End]));
        var set = overrides.Count == 0 ? "(defaults)" : string.Join(", ", overrides.Select(c => $"{c.Name}={(c.IsSensitive ? "(sensitive)" : c.Value)}"));
        // Metadata v9 carries no topic id (v10+ does); a broker that sends one gets it shown.
        var id = topic.TopicId == Guid.Empty ? "" : $"  TopicId: {topic.TopicId}";
        return $"Topic: {name}{id}  Partitions: {topic.Partitions.Count}  Configs: {set}\n{table}";
    }

    private static async Task<string> AlterAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        var name = args.Positional(1, "topic name");
        args.ExpectPositionals(2);
        var set = args.Pairs("--config");
        var remove = args.Values("--delete-config");
        var partitions = args.Value("--partitions") is null ? (int?)null : args.Int("--partitions", 0, min: 1);
        if (set.Count == 0 && remove.Count == 0 && partitions is null)
        {
            throw new UsageException("alter needs --config KEY=VALUE, --delete-config KEY or --partitions N");
        }
        await client.TopicAsync(name, cancellationToken).ConfigureAwait(false);
        if (set.Count > 0 || remove.Count > 0)
        {
            var response = await client.SendToControllerAsync<IncrementalAlterConfigsResponse>(new IncrementalAlterConfigsRequest
            {
                Resources =
                [
                    new IncrementalAlterConfigsRequest.AlterConfigsResource
                    {
                        ResourceType = TopicResource,
                        ResourceName = name,
                        Configs =
                        [
                            .. set.Select(p => new IncrementalAlterConfigsRequest.AlterableConfig { Name = p.Key, ConfigOperation = 0, Value = p.Value }),
                            .. remove.Select(k => new IncrementalAlterConfigsRequest.AlterableConfig { Name = k, ConfigOperation = 1, Value = null }),
                        ],
                    },
                ],
            }, 0, cancellationToken).ConfigureAwait(false);
            var altered = response.Responses.Single();
            KafkaClient.Check(altered.ErrorCode, altered.ErrorMessage, $"cannot alter the configs of topic \"{name}\"");
        }
        if (partitions is { } count)
        {
            var response = await client.SendToControllerAsync<CreatePartitionsResponse>(new CreatePartitionsRequest
            {
                TimeoutMs = (int)args.Timeout.TotalMilliseconds,
                Topics = [new CreatePartitionsRequest.CreatePartitionsTopic { Name = name, Count = count, Assignments = null }],
            }, 1, cancellationToken).ConfigureAwait(false);
            var grown = response.Results.Single();
            KafkaClient.Check(grown.ErrorCode, grown.ErrorMessage, $"cannot grow topic \"{name}\" to {count} partitions");
        }
        return json
            ? OutputFormatter.Json(new { name, set = set.ToDictionary(p => p.Key, p => p.Value), deleted = remove, partitions })
            : $"altered topic {name}";
    }

    private static async Task<string> DeleteAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        var name = args.Positional(1, "topic name");
        args.ExpectPositionals(2);
        var response = await client.SendToControllerAsync<DeleteTopicsResponse>(new DeleteTopicsRequest
        {
            TimeoutMs = (int)args.Timeout.TotalMilliseconds,
            TopicNames = [name],
        }, 4, cancellationToken).ConfigureAwait(false);
        var deleted = response.Responses.Single();
        if (deleted.ErrorCode == (short)Protocol.Errors.ErrorCode.UnknownTopicOrPartition)
        {
            throw new KafkaClientException(ClientExitCodes.NotFound, $"topic \"{name}\" does not exist");
        }
        KafkaClient.Check(deleted.ErrorCode, deleted.ErrorMessage, $"cannot delete topic \"{name}\"");
        return json ? OutputFormatter.Json(new { name, deleted = true }) : $"deleted topic {name}";
    }

    /// <summary>ListOffsets v2 for one partition: -2 earliest, -1 latest; null when the leader cannot say.</summary>
    internal static async Task<long?> OffsetAsync(KafkaClient client, MetadataResponse metadata, string topic, MetadataResponse.MetadataResponsePartition partition, long timestamp, CancellationToken cancellationToken)
    {
        var response = await client.SendToLeaderAsync<ListOffsetsResponse>(metadata, partition, new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = partition.PartitionIndex, Timestamp = timestamp }] }],
        }, 2, cancellationToken).ConfigureAwait(false);
        var answer = response.Topics.SelectMany(t => t.Partitions).SingleOrDefault();
        return answer is { ErrorCode: 0 } ? answer.Offset : null;
    }
}
