using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Cli.Client;

/// <summary>
/// What the CLI needs of a Kafka cluster, over Kafka's protocol so it works against any
/// Kafka-compatible broker: metadata from the first bootstrap server that answers, requests
/// routed to a partition's leader, a group's coordinator or the controller, one connection per
/// broker, reused. Request versions are ones every broker since Kafka 2.4 serves. Not
/// thread-safe; dispose to close the connections.
/// </summary>
internal sealed class KafkaClient : IAsyncDisposable
{
    public const short MetadataVersion = 9;
    private const string ClientId = "gregor-cli";

    private readonly IReadOnlyList<(string Host, int Port)> _bootstrap;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<string, BrokerConnection> _connections = new(StringComparer.Ordinal);
    private BrokerConnection? _any;

    public KafkaClient(string bootstrapServers, TimeSpan timeout)
    {
        _bootstrap = ParseBootstrap(bootstrapServers);
        _timeout = timeout;
    }

    public static IReadOnlyList<(string Host, int Port)> ParseBootstrap(string servers)
    {
        var list = new List<(string, int)>();
        foreach (var server in servers.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = server.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(server[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new UsageException($"--bootstrap-server expects HOST:PORT[,HOST:PORT…], got \"{server}\"");
            }
            list.Add((server[..colon].Trim('[', ']'), port));
        }
        return list.Count > 0 ? list : throw new UsageException("--bootstrap-server expects HOST:PORT[,HOST:PORT…]");
    }

    /// <summary>A request to any broker (the first bootstrap server that answers).</summary>
    public async Task<TResponse> SendAnyAsync<TResponse>(IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IResponseMessage, new() =>
        await (await AnyAsync(cancellationToken).ConfigureAwait(false)).SendAsync<TResponse>(request, version, cancellationToken).ConfigureAwait(false);

    /// <summary>A request to one broker by its advertised address.</summary>
    public async Task<TResponse> SendToAsync<TResponse>(string host, int port, IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IResponseMessage, new()
    {
        var key = $"{host}:{port}";
        if (!_connections.TryGetValue(key, out var connection))
        {
            connection = await BrokerConnection.ConnectAsync(host, port, ClientId, _timeout, cancellationToken).ConfigureAwait(false);
            _connections[key] = connection;
        }
        return await connection.SendAsync<TResponse>(request, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cluster metadata: every topic when <paramref name="topics"/> is null; never creates topics.</summary>
    public Task<MetadataResponse> MetadataAsync(IEnumerable<string>? topics, CancellationToken cancellationToken) =>
        SendAnyAsync<MetadataResponse>(new MetadataRequest
        {
            Topics = topics?.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t }).ToList(),
            AllowAutoTopicCreation = false,
        }, MetadataVersion, cancellationToken);

    /// <summary>The metadata of one topic; <see cref="ClientExitCodes.NotFound"/> when it does not exist.</summary>
    public async Task<(MetadataResponse Cluster, MetadataResponse.MetadataResponseTopic Topic)> TopicAsync(string topic, CancellationToken cancellationToken)
    {
        var metadata = await MetadataAsync([topic], cancellationToken).ConfigureAwait(false);
        var found = metadata.Topics.SingleOrDefault(t => t.Name == topic);
        if (found is null || found.ErrorCode == (short)ErrorCode.UnknownTopicOrPartition)
        {
            throw new KafkaClientException(ClientExitCodes.NotFound, $"topic \"{topic}\" does not exist");
        }
        Check(found.ErrorCode, null, $"topic \"{topic}\"");
        return (metadata, found);
    }

    /// <summary>A request to the leader of <paramref name="partition"/> (from <paramref name="metadata"/>).</summary>
    public Task<TResponse> SendToLeaderAsync<TResponse>(MetadataResponse metadata, MetadataResponse.MetadataResponsePartition partition, IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IResponseMessage, new()
    {
        var leader = metadata.Brokers.FirstOrDefault(b => b.NodeId == partition.LeaderId)
            ?? throw new KafkaClientException(ClientExitCodes.KafkaError, $"partition {partition.PartitionIndex} has no leader (node {partition.LeaderId})");
        return SendToAsync<TResponse>(leader.Host, leader.Port, request, version, cancellationToken);
    }

    /// <summary>A request to the controller (topic and config changes).</summary>
    public async Task<TResponse> SendToControllerAsync<TResponse>(IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IResponseMessage, new()
    {
        var metadata = await MetadataAsync([], cancellationToken).ConfigureAwait(false);
        var controller = metadata.Brokers.FirstOrDefault(b => b.NodeId == metadata.ControllerId);
        return controller is null
            ? await SendAnyAsync<TResponse>(request, version, cancellationToken).ConfigureAwait(false)
            : await SendToAsync<TResponse>(controller.Host, controller.Port, request, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A request to the coordinator of <paramref name="groupId"/> (FindCoordinator v3).</summary>
    public async Task<TResponse> SendToCoordinatorAsync<TResponse>(string groupId, IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IResponseMessage, new()
    {
        // COORDINATOR_NOT_AVAILABLE (15) and LOAD_IN_PROGRESS (14) pass once the offsets topic is
        // created and loaded: retried every 100 ms within the request timeout, as clients do.
        var deadline = DateTime.UtcNow + _timeout;
        FindCoordinatorResponse coordinator;
        while (true)
        {
            coordinator = await SendAnyAsync<FindCoordinatorResponse>(new FindCoordinatorRequest { KeyField = groupId, KeyType = 0 }, 3, cancellationToken).ConfigureAwait(false);
            if (coordinator.ErrorCode is not (14 or 15) || DateTime.UtcNow >= deadline)
            {
                break;
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        Check(coordinator.ErrorCode, coordinator.ErrorMessage, $"the coordinator of group \"{groupId}\"");
        return await SendToAsync<TResponse>(coordinator.Host, coordinator.Port, request, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Throws a <see cref="KafkaClientException"/> for a Kafka error code (NotFound for unknown topics and groups).</summary>
    public static void Check(short errorCode, string? message, string what)
    {
        if (errorCode == 0)
        {
            return;
        }
        var error = (ErrorCode)errorCode;
        var exit = error is ErrorCode.UnknownTopicOrPartition or ErrorCode.GroupIdNotFound or ErrorCode.UnknownTopicId
            ? ClientExitCodes.NotFound
            : ClientExitCodes.KafkaError;
        throw new KafkaClientException(exit, $"{what}: {error}{(string.IsNullOrEmpty(message) ? "" : $" ({message})")}");
    }

    private async Task<BrokerConnection> AnyAsync(CancellationToken cancellationToken)
    {
        if (_any is not null)
        {
            return _any;
        }
        KafkaClientException? last = null;
        foreach (var (host, port) in _bootstrap)
        {
            try
            {
                _any = await BrokerConnection.ConnectAsync(host, port, ClientId, _timeout, cancellationToken).ConfigureAwait(false);
                _connections[$"{host}:{port}"] = _any;
                return _any;
            }
            catch (KafkaClientException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _connections.Clear();
    }
}
