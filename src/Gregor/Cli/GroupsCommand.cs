using Gregor.Cli.Client;
using Gregor.Http;
using Gregor.Protocol.Messages;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor groups list|describe|reset-offsets|delete</c> over Kafka's protocol (ListGroups,
/// FindCoordinator, DescribeGroups, OffsetFetch, ListOffsets, OffsetCommit, DeleteGroups), like
/// kafka-consumer-groups.sh: describe shows each committed partition's offset, log end offset and
/// lag with the member it is assigned to. Stateless.
/// </summary>
internal static class GroupsCommand
{
    public const string Usage = """
        Usage: gregor groups <list|describe|reset-offsets|delete> [GROUP] [options]

          list                      groups of every broker, with their state
          describe GROUP            members, committed offsets, log end offsets and lag per partition
          reset-offsets GROUP       --topic TOPIC (--to-earliest | --to-latest | --to-offset N) [--execute]
                                    shows the new offsets; --execute commits them (the group must be inactive)
          delete GROUP              deletes an inactive group and its offsets

        Options for every command:
          --bootstrap-server HOST:PORT[,…]  a broker to ask first (default 127.0.0.1:9092)
          --output table|json                human table (default) or JSON for scripts
          --timeout-ms N                     per request (default 10000)

        Exit codes: 0 done, 1 bad arguments, 5 broker unreachable, 6 Kafka error (e.g. group not inactive), 7 group or topic not found.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var parsed = ClientArguments.Parse(args, ["--topic", "--to-offset"], ["--to-earliest", "--to-latest", "--execute", "--dry-run"]);
        if (parsed.Help || parsed.Positionals.Count == 0)
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return parsed.Help ? ClientExitCodes.Success : ClientExitCodes.Usage;
        }
        var json = parsed.Json;
        await using var client = new KafkaClient(parsed.BootstrapServers, parsed.Timeout);
        string result = parsed.Positionals[0] switch
        {
            "list" => await ListAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            "describe" => await DescribeAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            "reset-offsets" => await ResetAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            "delete" => await DeleteAsync(client, parsed, json, cancellationToken).ConfigureAwait(false),
            var other => throw new UsageException($"unknown groups command \"{other}\" (list, describe, reset-offsets, delete)"),
        };
        await output.WriteLineAsync(result).ConfigureAwait(false);
        return ClientExitCodes.Success;
    }

    private static async Task<string> ListAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        args.ExpectPositionals(1);
        var metadata = await client.MetadataAsync([], cancellationToken).ConfigureAwait(false);
        var groups = new List<ListGroupsResponse.ListedGroup>();
        foreach (var broker in metadata.Brokers.OrderBy(b => b.NodeId))
        {
            var response = await client.SendToAsync<ListGroupsResponse>(broker.Host, broker.Port, new ListGroupsRequest(), 4, cancellationToken).ConfigureAwait(false);
            KafkaClient.Check(response.ErrorCode, null, $"list groups of broker {broker.NodeId}");
            groups.AddRange(response.Groups);
        }
        var rows = groups.OrderBy(g => g.GroupId, StringComparer.Ordinal).Select(g => new { groupId = g.GroupId, state = g.GroupState, protocolType = g.ProtocolType }).ToList();
        return json
            ? OutputFormatter.Json(rows)
            : OutputFormatter.Table(["GROUP", "STATE", "PROTOCOL-TYPE"], rows.Select(g => (IReadOnlyList<object?>)[g.groupId, g.state, g.protocolType]));
    }

    private static async Task<string> DescribeAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        var groupId = args.Positional(1, "group id");
        args.ExpectPositionals(2);
        var group = await DescribeGroupAsync(client, groupId, cancellationToken).ConfigureAwait(false);
        var offsets = await CommittedAsync(client, groupId, cancellationToken).ConfigureAwait(false);
        var owners = new Dictionary<(string, int), DescribeGroupsResponse.DescribedGroupMember>();
        foreach (var member in group.Members)
        {
            foreach (var assigned in group.ProtocolType == "consumer" ? ConsumerAssignmentReader.Read(member.MemberAssignment) : [])
            {
                foreach (var partition in assigned.Partitions)
                {
                    owners[(assigned.Topic, partition)] = member;
                }
            }
        }
        var rows = new List<(string Topic, int Partition, long Current, long? End, long? Lag, DescribeGroupsResponse.DescribedGroupMember? Owner)>();
        foreach (var byTopic in offsets.GroupBy(o => o.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var metadata = await client.MetadataAsync([byTopic.Key], cancellationToken).ConfigureAwait(false);
            var topic = metadata.Topics.SingleOrDefault(t => t.Name == byTopic.Key && t.ErrorCode == 0);
            foreach (var (name, partition, current) in byTopic.OrderBy(o => o.Partition))
            {
                var meta = topic?.Partitions.SingleOrDefault(p => p.PartitionIndex == partition);
                var end = meta is null ? null : await TopicsCommand.OffsetAsync(client, metadata, name, meta, -1, cancellationToken).ConfigureAwait(false);
                rows.Add((name, partition, current, end, end is { } e ? Math.Max(0, e - current) : null, owners.GetValueOrDefault((name, partition))));
            }
        }
        if (json)
        {
            return OutputFormatter.Json(new
            {
                groupId,
                state = group.GroupState,
                protocolType = group.ProtocolType,
                protocol = group.ProtocolData,
                totalLag = rows.Sum(r => r.Lag ?? 0),
                members = group.Members.Select(m => new { memberId = m.MemberId, groupInstanceId = m.GroupInstanceId, clientId = m.ClientId, clientHost = m.ClientHost }),
                offsets = rows.Select(r => new { topic = r.Topic, partition = r.Partition, currentOffset = r.Current, logEndOffset = r.End, lag = r.Lag, memberId = r.Owner?.MemberId }),
            });
        }
        var header = $"Group: {groupId}  State: {group.GroupState}  Members: {group.Members.Count}  Total lag: {rows.Sum(r => r.Lag ?? 0)}";
        if (rows.Count == 0)
        {
            return $"{header}\n(no committed offsets)";
        }
        return header + "\n" + OutputFormatter.Table(
            ["TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"],
            rows.Select(r => (IReadOnlyList<object?>)[r.Topic, r.Partition, r.Current, r.End, r.Lag, r.Owner?.MemberId, r.Owner?.ClientHost, r.Owner?.ClientId]));
    }

    private static async Task<string> ResetAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        var groupId = args.Positional(1, "group id");
        args.ExpectPositionals(2);
        var topicName = args.Value("--topic") ?? throw new UsageException("reset-offsets needs --topic TOPIC");
        var targets = new[] { args.Flag("--to-earliest"), args.Flag("--to-latest"), args.Value("--to-offset") is not null }.Count(t => t);
        if (targets != 1)
        {
            throw new UsageException("reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset N");
        }
        var toOffset = args.Long("--to-offset");
        if (toOffset < 0)
        {
            throw new UsageException($"--to-offset must be at least 0, got {toOffset}");
        }
        var group = await DescribeGroupAsync(client, groupId, cancellationToken, mustExist: false).ConfigureAwait(false);
        if (group.GroupState is not ("Empty" or "Dead"))
        {
            throw new KafkaClientException(ClientExitCodes.KafkaError,
                $"group \"{groupId}\" is {group.GroupState} with {group.Members.Count} members: offsets can only be reset while it is inactive (stop its consumers first)");
        }
        var (metadata, topic) = await client.TopicAsync(topicName, cancellationToken).ConfigureAwait(false);
        var plan = new List<(int Partition, long Offset)>();
        foreach (var partition in topic.Partitions.OrderBy(p => p.PartitionIndex))
        {
            var start = await TopicsCommand.OffsetAsync(client, metadata, topicName, partition, -2, cancellationToken).ConfigureAwait(false) ?? 0;
            var end = await TopicsCommand.OffsetAsync(client, metadata, topicName, partition, -1, cancellationToken).ConfigureAwait(false) ?? 0;
            // As kafka-consumer-groups.sh: an offset outside the log is clamped to it.
            var offset = args.Flag("--to-earliest") ? start : args.Flag("--to-latest") ? end : Math.Clamp(toOffset!.Value, start, end);
            plan.Add((partition.PartitionIndex, offset));
        }
        var execute = args.Flag("--execute");
        if (execute)
        {
            var response = await client.SendToCoordinatorAsync<OffsetCommitResponse>(groupId, new OffsetCommitRequest
            {
                GroupId = groupId,
                GenerationIdOrMemberEpoch = -1,
                MemberId = "",
                Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic { Name = topicName, Partitions = [.. plan.Select(p => new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = p.Partition, CommittedOffset = p.Offset })] }],
            }, 7, cancellationToken).ConfigureAwait(false);
            foreach (var partition in response.Topics.SelectMany(t => t.Partitions))
            {
                KafkaClient.Check(partition.ErrorCode, null, $"cannot commit the offset of {topicName}-{partition.PartitionIndex} for group \"{groupId}\"");
            }
        }
        if (json)
        {
            return OutputFormatter.Json(new { groupId, topic = topicName, executed = execute, offsets = plan.Select(p => new { partition = p.Partition, newOffset = p.Offset }) });
        }
        var table = OutputFormatter.Table(["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], plan.Select(p => (IReadOnlyList<object?>)[groupId, topicName, p.Partition, p.Offset]));
        return execute ? table : table + "\n(dry run: add --execute to commit these offsets)";
    }

    private static async Task<string> DeleteAsync(KafkaClient client, ClientArguments args, bool json, CancellationToken cancellationToken)
    {
        var groupId = args.Positional(1, "group id");
        args.ExpectPositionals(2);
        var response = await client.SendToCoordinatorAsync<DeleteGroupsResponse>(groupId, new DeleteGroupsRequest { GroupsNames = [groupId] }, 2, cancellationToken).ConfigureAwait(false);
        var result = response.Results.Single();
        if (result.ErrorCode == (short)Protocol.Errors.ErrorCode.GroupIdNotFound)
        {
            throw new KafkaClientException(ClientExitCodes.NotFound, $"group \"{groupId}\" does not exist");
        }
        KafkaClient.Check(result.ErrorCode, result.ErrorMessage, $"cannot delete group \"{groupId}\"");
        return json ? OutputFormatter.Json(new { groupId, deleted = true }) : $"deleted group {groupId}";
    }

    private static async Task<DescribeGroupsResponse.DescribedGroup> DescribeGroupAsync(KafkaClient client, string groupId, CancellationToken cancellationToken, bool mustExist = true)
    {
        var response = await client.SendToCoordinatorAsync<DescribeGroupsResponse>(groupId, new DescribeGroupsRequest { Groups = [groupId] }, 5, cancellationToken).ConfigureAwait(false);
        var group = response.Groups.Single();
        KafkaClient.Check(group.ErrorCode, group.ErrorMessage, $"group \"{groupId}\"");
        if (mustExist && group.GroupState == "Dead")
        {
            throw new KafkaClientException(ClientExitCodes.NotFound, $"group \"{groupId}\" does not exist");
        }
        return group;
    }

    private static async Task<List<(string Topic, int Partition, long Offset)>> CommittedAsync(KafkaClient client, string groupId, CancellationToken cancellationToken)
    {
        var response = await client.SendToCoordinatorAsync<OffsetFetchResponse>(groupId, new OffsetFetchRequest { GroupId = groupId, Topics = null }, 7, cancellationToken).ConfigureAwait(false);
        KafkaClient.Check(response.ErrorCode, null, $"offsets of group \"{groupId}\"");
        return [.. response.Topics.SelectMany(t => t.Partitions.Where(p => p.ErrorCode == 0 && p.CommittedOffset >= 0).Select(p => (t.Name, p.PartitionIndex, p.CommittedOffset)))];
    }
}
