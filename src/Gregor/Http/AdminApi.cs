using System.Text.RegularExpressions;
using Gregor.Broker;
using Gregor.Broker.Admin;
using Gregor.Broker.Groups;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Http;

/// <summary>
/// The admin HTTP API, JSON under <c>/v1</c> on the host's HTTP listener (documented in
/// docs/admin-api.md and the OpenAPI document served at <see cref="OpenApiPath"/>): the cluster
/// and its brokers, topics with partitions (offsets, sizes) and configs, consumer groups with
/// members, assignments, committed offsets and lag, and topic create/delete. It reads the same
/// components the Kafka handlers use (the metadata image, the replica manager, the group
/// coordinator), so it shows what a Kafka client would see. Bad requests get an RFC 7807
/// problem response (<c>application/problem+json</c>) naming what is wrong. Stateless.
/// </summary>
internal static partial class AdminApi
{
    public const string OpenApiPath = "/v1/openapi.json";

    /// <summary>Every route this API maps (method and template), the contract the OpenAPI document must match.</summary>
    public static readonly IReadOnlyList<(string Method, string Template)> Routes =
    [
        ("GET", "/v1/cluster"),
        ("GET", "/v1/brokers"),
        ("GET", "/v1/brokers/{nodeId}"),
        ("GET", "/v1/topics"),
        ("POST", "/v1/topics"),
        ("GET", "/v1/topics/{name}"),
        ("DELETE", "/v1/topics/{name}"),
        ("GET", "/v1/groups"),
        ("GET", "/v1/groups/{groupId}"),
        ("GET", "/v1/health"),
        ("GET", "/v1/health/live"),
        ("GET", "/v1/health/ready"),
        ("GET", OpenApiPath),
    ];

    /// <summary>Kafka's bound on a topic name (Topic.MAX_NAME_LENGTH).</summary>
    private const int MaxTopicNameLength = 249;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder endpoints, GregorBroker broker)
    {
        var services = broker.Services;
        endpoints.MapGet("/v1/cluster", () => Results.Json(Cluster(services)));
        endpoints.MapGet("/v1/brokers", () => Results.Json(Brokers(services)));
        endpoints.MapGet("/v1/brokers/{nodeId}", (string nodeId) => BrokerDetail(services, nodeId));
        endpoints.MapGet("/v1/topics", (HttpRequest request) => Topics(services, request));
        endpoints.MapPost("/v1/topics", (HttpRequest request, CancellationToken cancellationToken) => CreateTopicAsync(services, request, cancellationToken));
        endpoints.MapGet("/v1/topics/{name}", (string name) => TopicDetail(services, name));
        endpoints.MapDelete("/v1/topics/{name}", (string name, CancellationToken cancellationToken) => DeleteTopicAsync(services, name, cancellationToken));
        endpoints.MapGet("/v1/groups", (HttpRequest request, CancellationToken cancellationToken) => GroupsAsync(services, request, cancellationToken));
        endpoints.MapGet("/v1/groups/{groupId}", (string groupId, CancellationToken cancellationToken) => GroupDetailAsync(services, groupId, cancellationToken));
        endpoints.MapGet(OpenApiPath, () => Results.Stream(OpenApiDocument(), "application/json"));
        // Anything else under /v1 is a clear 404, not an empty one.
        endpoints.MapFallback("/v1/{**path}", (HttpRequest request) =>
            Problem(StatusCodes.Status404NotFound, "Not Found", $"no admin API route {request.Method} {request.Path}; see {OpenApiPath}"));
        return endpoints;
    }

    internal static Stream OpenApiDocument() =>
        typeof(AdminApi).Assembly.GetManifestResourceStream("Gregor.Http.admin-api.openapi.json")
        ?? throw new InvalidOperationException("the OpenAPI document is not embedded");

    private static object Cluster(IServiceProvider services)
    {
        var image = Image(services);
        return new
        {
            clusterId = image.ClusterId,
            controllerId = image.ControllerId,
            brokers = Brokers(services),
            topics = image.TopicsByName.Count,
            partitions = image.TopicsByName.Values.Sum(t => t.Partitions.Count),
            underReplicatedPartitions = image.TopicsByName.Values.SelectMany(t => t.Partitions.Values).Count(p => p.Isr.Length < p.Replicas.Length),
            offlinePartitions = image.TopicsByName.Values.SelectMany(t => t.Partitions.Values).Count(p => p.Leader < 0),
        };
    }

    private static List<object> Brokers(IServiceProvider services)
    {
        var image = Image(services);
        var self = services.GetRequiredService<ReplicaManager>().NodeId;
        return [.. image.Brokers.Values.OrderBy(b => b.NodeId).Select(b => (object)new
        {
            nodeId = b.NodeId,
            host = b.Host,
            port = b.Port,
            rack = b.Rack,
            fenced = b.Fenced,
            isController = b.NodeId == image.ControllerId,
            isThisNode = b.NodeId == self,
            leaderPartitions = image.TopicsByName.Values.Sum(t => t.Partitions.Values.Count(p => p.Leader == b.NodeId)),
        })];
    }

    private static IResult BrokerDetail(IServiceProvider services, string nodeIdText)
    {
        if (!int.TryParse(nodeIdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var nodeId))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", $"broker id must be a non-negative integer, got \"{nodeIdText}\"");
        }
        var image = Image(services);
        if (!image.Brokers.TryGetValue(nodeId, out var broker))
        {
            return Problem(StatusCodes.Status404NotFound, "Not Found", $"broker {nodeId} is not registered in the cluster");
        }
        var self = services.GetRequiredService<ReplicaManager>().NodeId;
        // Only this node's static configs are known here; another broker's come from that broker.
        var configs = nodeId == self
            ? services.GetRequiredService<ConfigDescriber>().DescribeBroker(nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Select(e => (object)new { name = e.Name, value = e.IsSensitive ? null : e.Value, source = e.Source.ToString(), readOnly = e.ReadOnly, sensitive = e.IsSensitive })
                .ToList()
            : null;
        return Results.Json(new
        {
            nodeId = broker.NodeId,
            host = broker.Host,
            port = broker.Port,
            rack = broker.Rack,
            fenced = broker.Fenced,
            isController = broker.NodeId == image.ControllerId,
            configs,
        });
    }

    private static IResult Topics(IServiceProvider services, HttpRequest request)
    {
        if (!TryReadBool(request, "internal", out var includeInternal, out var problem))
        {
            return problem;
        }
        var image = Image(services);
        var replicas = services.GetRequiredService<ReplicaManager>();
        var topics = image.TopicsByName.Values
            .Where(t => includeInternal || !t.IsInternal)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t =>
            {
                var partitions = t.Partitions.Values.ToList();
                long records = 0, size = 0;
                foreach (var p in partitions)
                {
                    if (replicas.TryGetPartition(new TopicPartition(t.Name, p.Partition), out var hosted))
                    {
                        records += Math.Max(0, hosted.HighWatermark - hosted.LogStartOffset);
                        size += (hosted.Log as StorageReplicaLog)?.PartitionLog.Size ?? 0;
                    }
                }
                return new
                {
                    name = t.Name,
                    topicId = t.TopicId,
                    @internal = t.IsInternal,
                    partitions = partitions.Count,
                    replicationFactor = partitions.Count == 0 ? 0 : partitions.Max(p => p.Replicas.Length),
                    records,
                    sizeBytes = size,
                };
            })
            .ToList();
        return Results.Json(topics);
    }

    private static IResult TopicDetail(IServiceProvider services, string name)
    {
        if (InvalidTopicName(name) is { } invalid)
        {
            return invalid;
        }
        var image = Image(services);
        if (image.Topic(name) is not { } topic)
        {
            return Problem(StatusCodes.Status404NotFound, "Not Found", $"topic \"{name}\" does not exist");
        }
        var replicas = services.GetRequiredService<ReplicaManager>();
        var partitions = topic.Partitions.Values.OrderBy(p => p.Partition).Select(p =>
        {
            var hosted = replicas.TryGetPartition(new TopicPartition(name, p.Partition), out var found) ? found : null;
            var storage = (hosted?.Log as StorageReplicaLog)?.PartitionLog;
            return new
            {
                partition = p.Partition,
                leader = p.Leader,
                leaderEpoch = p.LeaderEpoch,
                replicas = p.Replicas,
                isr = p.Isr,
                logStartOffset = hosted?.LogStartOffset,
                logEndOffset = hosted?.LogEndOffset,
                highWatermark = hosted?.HighWatermark,
                sizeBytes = storage?.Size,
                segments = storage?.SegmentCount,
            };
        }).ToList();
        var configs = services.GetRequiredService<ConfigDescriber>().DescribeTopic(topic)
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => new { name = e.Name, value = e.IsSensitive ? null : e.Value, source = e.Source.ToString(), readOnly = e.ReadOnly, sensitive = e.IsSensitive })
            .ToList();
        return Results.Json(new { name = topic.Name, topicId = topic.TopicId, @internal = topic.IsInternal, partitions, configs });
    }

    private static async Task<IResult> CreateTopicAsync(IServiceProvider services, HttpRequest request, CancellationToken cancellationToken)
    {
        CreateTopicBody? body;
        try
        {
            body = await request.ReadFromJsonAsync<CreateTopicBody>(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", $"the body must be JSON like {{\"name\":\"orders\",\"partitions\":3}}: {e.Message}");
        }
        if (body?.Name is not { } name)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", "the body must name the topic: {\"name\":\"orders\",\"partitions\":3}");
        }
        if (InvalidTopicName(name) is { } invalid)
        {
            return invalid;
        }
        var spec = new CreateTopicSpec(name, body.Partitions ?? -1, body.ReplicationFactor ?? -1,
            (body.Configs ?? []).ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal));
        var outcome = await services.GetRequiredService<IController>().CreateTopicAsync(spec, validateOnly: false, cancellationToken).ConfigureAwait(false);
        if (outcome.Error != ErrorCode.None)
        {
            return KafkaProblem(outcome.Error, outcome.Message ?? $"topic \"{name}\" was not created");
        }
        return Results.Json(
            new { name, topicId = outcome.TopicId, partitions = outcome.NumPartitions, replicationFactor = outcome.ReplicationFactor },
            statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> DeleteTopicAsync(IServiceProvider services, string name, CancellationToken cancellationToken)
    {
        if (InvalidTopicName(name) is { } invalid)
        {
            return invalid;
        }
        var (error, message) = await services.GetRequiredService<IController>().DeleteTopicAsync(name, cancellationToken).ConfigureAwait(false);
        return error == ErrorCode.None ? Results.NoContent() : KafkaProblem(error, message ?? $"topic \"{name}\" was not deleted");
    }

    private static async Task<IResult> GroupsAsync(IServiceProvider services, HttpRequest request, CancellationToken cancellationToken)
    {
        GroupState? state = null;
        if (request.Query.TryGetValue("state", out var stateText))
        {
            if (!Enum.TryParse<GroupState>(stateText.ToString(), ignoreCase: true, out var parsed) || int.TryParse(stateText.ToString(), out _))
            {
                return Problem(StatusCodes.Status400BadRequest, "Bad Request",
                    $"state must be one of {string.Join(", ", Enum.GetNames<GroupState>())}, got \"{stateText}\"");
            }
            state = parsed;
        }
        var (error, groups) = await services.GetRequiredService<GroupLagReader>().ReadAllAsync(cancellationToken).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return KafkaProblem(error, "the group coordinator cannot list groups now");
        }
        return Results.Json(groups.Where(g => state is null || g.State == state).Select(g => new
        {
            groupId = g.GroupId,
            state = g.State.ToString(),
            protocolType = g.ProtocolType,
            members = g.Members.Count,
            totalLag = g.TotalLag,
        }).ToList());
    }

    private static async Task<IResult> GroupDetailAsync(IServiceProvider services, string groupId, CancellationToken cancellationToken)
    {
        if (groupId.Length > MaxTopicNameLength)
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request", $"group id is longer than {MaxTopicNameLength} characters");
        }
        if (await services.GetRequiredService<GroupLagReader>().ReadAsync(groupId, cancellationToken).ConfigureAwait(false) is not { } group)
        {
            return Problem(StatusCodes.Status404NotFound, "Not Found", $"group \"{groupId}\" does not exist");
        }
        return Results.Json(new
        {
            groupId = group.GroupId,
            state = group.State.ToString(),
            protocolType = group.ProtocolType,
            protocol = group.Protocol,
            totalLag = group.TotalLag,
            members = group.Members.Select(m => new
            {
                memberId = m.MemberId,
                groupInstanceId = m.GroupInstanceId,
                clientId = m.ClientId,
                clientHost = m.ClientHost,
                assignment = group.ProtocolType == "consumer" ? ConsumerAssignmentReader.Read(m.Assignment) : [],
            }).ToList(),
            offsets = group.Partitions.Select(p => new
            {
                topic = p.Topic,
                partition = p.Partition,
                committedOffset = p.CommittedOffset,
                endOffset = p.EndOffset,
                lag = p.Lag,
            }).ToList(),
        });
    }

    private static MetadataImage Image(IServiceProvider services) => services.GetRequiredService<IController>().Current;

    private static IResult? InvalidTopicName(string name)
    {
        if (name.Length == 0 || name.Length > MaxTopicNameLength || !TopicNamePattern().IsMatch(name) || name is "." or "..")
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad Request",
                $"\"{(name.Length > 60 ? name[..60] + "…" : name)}\" is not a valid topic name: 1 to {MaxTopicNameLength} characters of [a-zA-Z0-9._-], not \".\" or \"..\"");
        }
        return null;
    }

    private static bool TryReadBool(HttpRequest request, string name, out bool value, out IResult problem)
    {
        value = false;
        problem = Results.Empty;
        if (!request.Query.TryGetValue(name, out var text))
        {
            return true;
        }
        if (bool.TryParse(text.ToString(), out value))
        {
            return true;
        }
        problem = Problem(StatusCodes.Status400BadRequest, "Bad Request", $"{name} must be true or false, got \"{text}\"");
        return false;
    }

    private static IResult KafkaProblem(ErrorCode error, string message)
    {
        var status = error switch
        {
            ErrorCode.TopicAlreadyExists => StatusCodes.Status409Conflict,
            ErrorCode.UnknownTopicOrPartition or ErrorCode.GroupIdNotFound => StatusCodes.Status404NotFound,
            ErrorCode.InvalidTopicException or ErrorCode.InvalidPartitions or ErrorCode.InvalidReplicationFactor or ErrorCode.InvalidConfig
                or ErrorCode.InvalidRequest or ErrorCode.PolicyViolation => StatusCodes.Status400BadRequest,
            ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable or ErrorCode.NotController => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status500InternalServerError,
        };
        return Results.Problem(message, statusCode: status, title: error.ToString(), extensions: new Dictionary<string, object?> { ["kafkaError"] = error.ToString(), ["kafkaErrorCode"] = (short)error });
    }

    internal static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail, statusCode: status, title: title);

    [GeneratedRegex("^[a-zA-Z0-9._-]+$")]
    private static partial Regex TopicNamePattern();
}
