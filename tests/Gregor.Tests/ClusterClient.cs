using System.Globalization;
using System.Text.Json;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Tests;

/// <summary>
/// Raw Kafka requests and <c>gregor quorum describe</c> against the nodes of a
/// <see cref="GregorCluster"/>, for the real-process cluster tests. A node that cannot be reached
/// answers null / empty, so callers poll with <see cref="Eventually"/>. Stateless.
/// </summary>
internal static class ClusterClient
{
    /// <summary>The active controller as node <paramref name="askNode"/>'s broker listener reports it (DescribeCluster), waiting until it knows one.</summary>
    public static async Task<int> ActiveControllerAsync(GregorCluster cluster, int askNode)
    {
        int? controller = null;
        await Eventually.TrueAsync(async () => (controller = await ControllerSeenByAsync(cluster, askNode)) is not null,
            $"node {askNode} knows the active controller", TimeSpan.FromSeconds(30));
        return controller!.Value;
    }

    public static async Task<int?> ControllerSeenByAsync(GregorCluster cluster, int nodeId)
    {
        try
        {
            using var connection = await RawKafkaConnection.ConnectAsync(cluster.BrokerEndPoint(nodeId));
            var response = await KafkaWire.RoundTripAsync<DescribeClusterResponse>(connection, new DescribeClusterRequest(), 0);
            return response is { ControllerId: >= 0 } r ? r.ControllerId : null;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
        {
            return null;
        }
    }

    public static async Task<HashSet<int>> BrokersAsync(GregorCluster cluster, int nodeId) =>
        (await MetadataAsync(cluster, nodeId))?.Brokers.Select(b => b.NodeId).ToHashSet() ?? [];

    public static async Task<HashSet<string>> TopicsAsync(GregorCluster cluster, int nodeId) =>
        (await MetadataAsync(cluster, nodeId))?.Topics.Where(t => t.ErrorCode == 0 && !t.IsInternal).Select(t => t.Name!).ToHashSet(StringComparer.Ordinal) ?? [];

    /// <summary>
    /// Node <paramref name="nodeId"/>'s replayed image as Metadata shows it, one line per topic:
    /// name, topic id, and each partition's replicas, sorted; null when the node does not answer.
    /// Two nodes that replayed the same committed log give the same text.
    /// </summary>
    public static async Task<string?> ImageAsync(GregorCluster cluster, int nodeId)
    {
        var metadata = await MetadataAsync(cluster, nodeId);
        if (metadata is null)
        {
            return null;
        }
        var lines = metadata.Topics
            .Where(t => t.ErrorCode == 0 && !t.IsInternal)
            .Select(t => string.Create(CultureInfo.InvariantCulture,
                $"{t.Name} {t.TopicId} {string.Join(' ', t.Partitions.OrderBy(p => p.PartitionIndex).Select(p => $"{p.PartitionIndex}:[{string.Join(',', p.ReplicaNodes)}]"))}"))
            .Order(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }

    public static async Task<MetadataResponse?> MetadataAsync(GregorCluster cluster, int nodeId, IReadOnlyList<string>? topics = null)
    {
        try
        {
            using var connection = await RawKafkaConnection.ConnectAsync(cluster.BrokerEndPoint(nodeId));
            return await KafkaWire.RoundTripAsync<MetadataResponse>(connection, new MetadataRequest
            {
                Topics = topics?.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t }).ToList(),
            }, 12);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>CreateTopics through node <paramref name="nodeId"/>'s broker listener: the topic's error code, or null when the node does not answer.</summary>
    public static async Task<ErrorCode?> CreateTopicAsync(GregorCluster cluster, int nodeId, string topic, int partitions)
    {
        try
        {
            using var connection = await RawKafkaConnection.ConnectAsync(cluster.BrokerEndPoint(nodeId));
            var response = await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, new CreateTopicsRequest
            {
                timeoutMs = 15_000,
                Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }],
            }, 7);
            return response is null ? null : (ErrorCode)Assert.Single(response.Topics).ErrorCode;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>gregor quorum describe --status</c> against node <paramref name="nodeId"/>'s controller
    /// listener (run through <paramref name="commandPrefix"/>, e.g. inside its network namespace):
    /// the leader and epoch it reports; leader -1 when it answers that it is neither leader nor
    /// knows one (exit 6, NOT_LEADER_OR_FOLLOWER); null when it cannot be reached.
    /// </summary>
    public static async Task<(int Leader, int Epoch)?> QuorumStatusAsync(GregorCluster cluster, int nodeId, IEnumerable<string>? commandPrefix = null)
    {
        var (code, output) = await GregorProcess.RunToExitAsync(
            ["quorum", "describe", "--status", "--bootstrap-controller", cluster.ControllerAddress(nodeId), "--output", "json", "--timeout-ms", "3000"],
            TimeSpan.FromSeconds(30), commandPrefix);
        if (code == 6 && output.Contains("NotLeaderOrFollower", StringComparison.Ordinal))
        {
            return (-1, -1);
        }
        if (code != 0)
        {
            return null;
        }
        using var json = JsonDocument.Parse(output);
        return (json.RootElement.GetProperty("leaderId").GetInt32(), json.RootElement.GetProperty("leaderEpoch").GetInt32());
    }

    /// <summary><c>gregor quorum describe --replication</c> through node <paramref name="nodeId"/>'s controller listener: each voter's and observer's log end offset and status.</summary>
    public static async Task<IReadOnlyList<(int NodeId, long LogEndOffset, string Status)>?> QuorumReplicationAsync(GregorCluster cluster, int nodeId)
    {
        var (code, output) = await GregorProcess.RunToExitAsync(
            ["quorum", "describe", "--replication", "--bootstrap-controller", cluster.ControllerAddress(nodeId), "--output", "json", "--timeout-ms", "3000"],
            TimeSpan.FromSeconds(30));
        if (code != 0)
        {
            return null;
        }
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement.EnumerateArray().Select(r => (r.GetProperty("nodeId").GetInt32(), r.GetProperty("logEndOffset").GetInt64(), r.GetProperty("status").GetString() ?? ""))];
    }
}
