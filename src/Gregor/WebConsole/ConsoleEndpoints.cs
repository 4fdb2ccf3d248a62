using System.Globalization;
using System.Text;
using System.Text.Json;
using Gregor.Broker;
using Gregor.Broker.Admin;
using Gregor.Broker.Groups;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.WebConsole;

/// <summary>
/// The web console on the host's HTTP listener: the page at <c>/console/</c> (from
/// <see cref="ConsoleAssets"/>; <c>/</c> redirects there) and the JSON it needs under
/// <c>/v1/console/</c> — the topology (<c>topology</c>, and <c>topology/stream</c> as server-sent
/// events, one picture a second from <see cref="TopologySampler"/>), topics (list, create,
/// configure, delete, browse and produce messages), consumer groups (lag history, offset reset
/// of an inactive group) and the broker (configs, log dirs, request rates). Everything is read
/// and changed in-process through the broker's components, with Kafka's own validation; errors
/// are problem documents (<see cref="ConsoleJson"/>). Registered once per host.
/// </summary>
internal static class ConsoleEndpoints
{
    public const string PagePath = "/console/";
    public const string ApiPrefix = "/v1/console";

    /// <summary>At most this many SSE streams at once, so idle tabs cannot pile up writers.</summary>
    public const int MaxStreams = 32;

    private static int _openStreams;

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints, GregorBroker broker)
    {
        var assets = new ConsoleAssets();
        // Resolved on the first console request, not here: some components touch the data dir when
        // built, which is the lifecycle's job (a start that fails must fail there, cleanly).
        var console = new Lazy<ConsoleComponents>(() => new ConsoleComponents(broker), LazyThreadSafetyMode.ExecutionAndPublication);

        endpoints.MapGet("/", () => Results.Redirect(PagePath));
        // Routing ignores a trailing slash: "/console" also matches "/console/", which is the page itself.
        endpoints.MapGet("/console", (HttpContext context) =>
        {
            if (context.Request.Path.Value!.EndsWith('/'))
            {
                return assets.ServeAsync(context, null);
            }
            context.Response.Redirect(PagePath);
            return Task.CompletedTask;
        });
        endpoints.MapGet(PagePath + "{**path}", (HttpContext context, string? path) => assets.ServeAsync(context, path));

        endpoints.MapGet(ApiPrefix + "/topology", Json(async context =>
        {
            var sample = await console.Value.Sampler.CurrentAsync(context.RequestAborted).ConfigureAwait(false);
            return Results.Bytes(sample.Json, "application/json");
        }));
        endpoints.MapGet(ApiPrefix + "/topology/stream", (HttpContext context) => StreamAsync(context, console.Value.Sampler, console.Value.Stopping));

        endpoints.MapGet(ApiPrefix + "/topics", Json(async context =>
        {
            using var document = JsonDocument.Parse((await console.Value.Sampler.CurrentAsync(context.RequestAborted).ConfigureAwait(false)).Json);
            return ConsoleJson.Ok(new { topics = document.RootElement.GetProperty("topics").Clone() });
        }));
        endpoints.MapPost(ApiPrefix + "/topics", Json(context => CreateTopicAsync(context, console.Value.Controller)));
        endpoints.MapGet(ApiPrefix + "/topics/{name}", (HttpContext context, string name) => DescribeTopicAsync(context, name, console.Value.Controller, console.Value.Sampler));
        endpoints.MapDelete(ApiPrefix + "/topics/{name}", async (HttpContext context, string name) =>
        {
            if (console.Value.Controller.Current.Topic(name) is null)
            {
                return ConsoleJson.NotFound($"topic '{name}' does not exist");
            }
            var (error, message) = await console.Value.Controller.DeleteTopicAsync(name, context.RequestAborted).ConfigureAwait(false);
            return error == ErrorCode.None ? Results.NoContent() : ConsoleJson.FromKafka(error, message, $"deleting topic '{name}'");
        });
        endpoints.MapMethods(ApiPrefix + "/topics/{name}/configs", ["PUT", "PATCH"], (HttpContext context, string name) => AlterTopicConfigsAsync(context, name, console.Value.Controller));
        endpoints.MapGet(ApiPrefix + "/topics/{name}/messages", (HttpContext context, string name) => ReadMessages(context, name, console.Value.Browser));
        endpoints.MapPost(ApiPrefix + "/topics/{name}/messages", (HttpContext context, string name) => ProduceAsync(context, name, console.Value.Controller, console.Value.Browser));

        endpoints.MapGet(ApiPrefix + "/groups", Json(async context =>
        {
            var sample = await console.Value.Sampler.CurrentAsync(context.RequestAborted).ConfigureAwait(false);
            return ConsoleJson.Ok(new { groups = sample.Groups.Values });
        }));
        endpoints.MapGet(ApiPrefix + "/groups/{id}", async (HttpContext context, string id) =>
        {
            var sample = await console.Value.Sampler.CurrentAsync(context.RequestAborted).ConfigureAwait(false);
            return sample.Groups.TryGetValue(id, out var group)
                ? ConsoleJson.Ok(new { group, history = console.Value.Sampler.LagHistory(id) })
                : ConsoleJson.NotFound($"no consumer group '{id}' is known to this broker");
        });
        endpoints.MapPost(ApiPrefix + "/groups/{id}/reset-offsets", (HttpContext context, string id) =>
            ResetOffsetsAsync(context, id, console.Value.Groups, console.Value.Provisioner, console.Value.Replicas, console.Value.Controller));

        endpoints.MapGet(ApiPrefix + "/broker", Json(async context =>
        {
            var sample = await console.Value.Sampler.CurrentAsync(context.RequestAborted).ConfigureAwait(false);
            return ConsoleJson.Ok(DescribeBroker(broker, console.Value.Controller, console.Value.Replicas, sample));
        }));
        endpoints.MapMethods(ApiPrefix + "/{**rest}", ["GET", "POST", "PUT", "PATCH", "DELETE"], (string rest) =>
            ConsoleJson.NotFound($"no console endpoint {ApiPrefix}/{rest}"));
        return endpoints;
    }

    /// <summary>A handler that answers with an <see cref="IResult"/> (as a plain RequestDelegate its result would be dropped).</summary>
    private static Delegate Json(Func<HttpContext, Task<IResult>> handler) => handler;

    private static async Task StreamAsync(HttpContext context, TopologySampler sampler, CancellationToken stopping)
    {
        if (Interlocked.Increment(ref _openStreams) > MaxStreams)
        {
            Interlocked.Decrement(ref _openStreams);
            await ConsoleJson.Problem(StatusCodes.Status503ServiceUnavailable, "Too many streams", $"at most {MaxStreams} console streams may be open at once").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            var token = linked.Token;
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            var sample = await sampler.CurrentAsync(token).ConfigureAwait(false);
            var prefix = "data: "u8.ToArray();
            var suffix = "\n\n"u8.ToArray();
            while (!token.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(prefix, token).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(sample.Json, token).ConfigureAwait(false);
                await context.Response.Body.WriteAsync(suffix, token).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(token).ConfigureAwait(false);
                sample = await sampler.NextAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away or the broker is stopping.
        }
        finally
        {
            Interlocked.Decrement(ref _openStreams);
        }
    }

    private static async Task<IResult> CreateTopicAsync(HttpContext context, IController controller)
    {
        var (body, problem) = await ConsoleJson.ReadBodyAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var json = body!.Value;
        if (!json.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String || nameElement.GetString() is not { Length: > 0 } name)
        {
            return ConsoleJson.BadRequest("'name' (a string) is required");
        }
        if (!TryInt(json, "partitions", -1, out var partitions) || !TryInt(json, "replicationFactor", -1, out var replicationFactor))
        {
            return ConsoleJson.BadRequest("'partitions' and 'replicationFactor' must be integers");
        }
        var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (json.TryGetProperty("configs", out var configsElement) && configsElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var config in configsElement.EnumerateObject())
            {
                configs[config.Name] = config.Value.ValueKind == JsonValueKind.Null ? null : config.Value.ToString();
            }
        }
        var outcome = await controller.CreateTopicAsync(new CreateTopicSpec(name, partitions, (short)Math.Clamp(replicationFactor, -1, short.MaxValue), configs), validateOnly: false, context.RequestAborted).ConfigureAwait(false);
        return outcome.Error == ErrorCode.None
            ? ConsoleJson.Ok(new { name, id = outcome.TopicId, partitions = outcome.NumPartitions, replicationFactor = outcome.ReplicationFactor }, StatusCodes.Status201Created)
            : ConsoleJson.FromKafka(outcome.Error, outcome.Message, $"creating topic '{name}'");
    }

    private static async Task<IResult> DescribeTopicAsync(HttpContext context, string name, IController controller, TopologySampler sampler)
    {
        if (controller.Current.Topic(name) is not { } topic)
        {
            return ConsoleJson.NotFound($"topic '{name}' does not exist");
        }
        var sample = await sampler.CurrentAsync(context.RequestAborted).ConfigureAwait(false);
        using var document = JsonDocument.Parse(sample.Json);
        var summary = document.RootElement.GetProperty("topics").EnumerateArray().FirstOrDefault(t => t.GetProperty("name").GetString() == name);
        var effective = controller.EffectiveTopicConfigs(topic.Configs);
        return ConsoleJson.Ok(new
        {
            name,
            id = topic.TopicId,
            @internal = topic.IsInternal,
            summary = summary.ValueKind == JsonValueKind.Undefined ? (object?)null : summary.Clone(),
            configs = effective.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new
            {
                name = c.Key,
                value = c.Value,
                isOverride = topic.Configs.ContainsKey(c.Key),
            }),
        });
    }

    private static async Task<IResult> AlterTopicConfigsAsync(HttpContext context, string name, IController controller)
    {
        var (body, problem) = await ConsoleJson.ReadBodyAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var changes = new List<ConfigChange>();
        if (body!.Value.TryGetProperty("set", out var set))
        {
            if (set.ValueKind != JsonValueKind.Object)
            {
                return ConsoleJson.BadRequest("'set' must be an object of config names to values");
            }
            changes.AddRange(set.EnumerateObject().Select(c => new ConfigChange(c.Name, ConfigOperation.Set, c.Value.ValueKind == JsonValueKind.String ? c.Value.GetString() : c.Value.ToString())));
        }
        if (body.Value.TryGetProperty("delete", out var delete))
        {
            if (delete.ValueKind != JsonValueKind.Array || delete.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.String))
            {
                return ConsoleJson.BadRequest("'delete' must be an array of config names");
            }
            changes.AddRange(delete.EnumerateArray().Select(d => new ConfigChange(d.GetString()!, ConfigOperation.Delete, null)));
        }
        if (changes.Count == 0)
        {
            return ConsoleJson.BadRequest("nothing to change: give 'set' and/or 'delete'");
        }
        var (error, message) = await controller.AlterTopicConfigsAsync(name, changes, incremental: true, validateOnly: false, context.RequestAborted).ConfigureAwait(false);
        return error == ErrorCode.None ? Results.NoContent() : ConsoleJson.FromKafka(error, message, $"configuring topic '{name}'");
    }

    private static IResult ReadMessages(HttpContext context, string name, MessageBrowser? browser)
    {
        if (browser is null)
        {
            return ConsoleJson.Problem(StatusCodes.Status503ServiceUnavailable, "No data plane", "this node hosts no partitions");
        }
        var query = context.Request.Query;
        if (!TryQueryLong(query, "partition", 0, out var partition) || partition is < 0 or > int.MaxValue)
        {
            return ConsoleJson.BadRequest("'partition' must be a non-negative integer");
        }
        if (!TryQueryLong(query, "limit", 50, out var limit) || limit is < 1 or > MessageBrowser.MaxRecords)
        {
            return ConsoleJson.BadRequest($"'limit' must be between 1 and {MessageBrowser.MaxRecords}");
        }
        long? offset = null, timestamp = null;
        if (query.ContainsKey("offset"))
        {
            if (!TryQueryLong(query, "offset", 0, out var o) || o < 0)
            {
                return ConsoleJson.BadRequest("'offset' must be a non-negative integer");
            }
            offset = o;
        }
        if (query.ContainsKey("timestamp"))
        {
            if (!TryQueryLong(query, "timestamp", 0, out var t) || t < 0)
            {
                return ConsoleJson.BadRequest("'timestamp' must be Unix milliseconds");
            }
            timestamp = t;
        }
        var (error, message, page) = browser.Read(name, (int)partition, offset, timestamp, (int)limit);
        return error == ErrorCode.None ? ConsoleJson.Ok(page!) : ConsoleJson.FromKafka(error, message, $"reading {name}/{partition}");
    }

    private static async Task<IResult> ProduceAsync(HttpContext context, string name, IController controller, MessageBrowser? browser)
    {
        if (browser is null)
        {
            return ConsoleJson.Problem(StatusCodes.Status503ServiceUnavailable, "No data plane", "this node hosts no partitions");
        }
        var (body, problem) = await ConsoleJson.ReadBodyAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var json = body!.Value;
        if (controller.Current.Topic(name) is not { } topic)
        {
            return ConsoleJson.NotFound($"topic '{name}' does not exist");
        }
        if (!TryInt(json, "partition", 0, out var partition) || !topic.Partitions.ContainsKey(partition))
        {
            return ConsoleJson.BadRequest($"'partition' must be one of the topic's partitions (0-{topic.Partitions.Count - 1})");
        }
        if (!TryText(json, "key", out var key) || !TryText(json, "value", out var value))
        {
            return ConsoleJson.BadRequest("'key' and 'value' must be strings or null");
        }
        var headers = new List<(string, byte[]?)>();
        if (json.TryGetProperty("headers", out var headersElement) && headersElement.ValueKind != JsonValueKind.Null)
        {
            if (headersElement.ValueKind != JsonValueKind.Array)
            {
                return ConsoleJson.BadRequest("'headers' must be an array of {key, value}");
            }
            foreach (var header in headersElement.EnumerateArray())
            {
                if (header.ValueKind != JsonValueKind.Object || !header.TryGetProperty("key", out var k) || k.ValueKind != JsonValueKind.String || !TryText(header, "value", out var v))
                {
                    return ConsoleJson.BadRequest("each header must be {\"key\": string, \"value\": string or null}");
                }
                headers.Add((k.GetString()!, v));
            }
        }
        var (error, message, offset) = await browser.ProduceAsync(name, partition, key, value, headers, context.RequestAborted).ConfigureAwait(false);
        return error == ErrorCode.None
            ? ConsoleJson.Ok(new { topic = name, partition, offset }, StatusCodes.Status201Created)
            : ConsoleJson.FromKafka(error, message, $"producing to {name}/{partition}");
    }

    private static async Task<IResult> ResetOffsetsAsync(
        HttpContext context, string groupId, GroupCoordinator groups, OffsetsTopicProvisioner provisioner, ReplicaManager? replicas, IController controller)
    {
        var (body, problem) = await ConsoleJson.ReadBodyAsync(context).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }
        var json = body!.Value;
        if (!json.TryGetProperty("topic", out var topicElement) || topicElement.ValueKind != JsonValueKind.String || controller.Current.Topic(topicElement.GetString()!) is not { } topic)
        {
            return ConsoleJson.BadRequest("'topic' must name an existing topic");
        }
        var to = json.TryGetProperty("to", out var toElement) && toElement.ValueKind == JsonValueKind.String ? toElement.GetString() : null;
        if (to is not ("earliest" or "latest" or "offset" or "timestamp"))
        {
            return ConsoleJson.BadRequest("'to' must be earliest, latest, offset or timestamp");
        }
        long target = 0;
        if (to is "offset" or "timestamp" && (!json.TryGetProperty("value", out var valueElement) || !valueElement.TryGetInt64(out target) || target < 0))
        {
            return ConsoleJson.BadRequest($"'value' (a non-negative integer) is required with to={to}");
        }
        int? onlyPartition = null;
        if (json.TryGetProperty("partition", out var partitionElement) && partitionElement.ValueKind != JsonValueKind.Null)
        {
            if (!partitionElement.TryGetInt32(out var p) || !topic.Partitions.ContainsKey(p))
            {
                return ConsoleJson.BadRequest("'partition' must be one of the topic's partitions, or null for all");
            }
            onlyPartition = p;
        }
        // As a client's FindCoordinator would: the offsets topic is created on first use, and its
        // partitions then load for a moment; wait for that (bounded) rather than fail the first reset.
        var offsetsTopic = await provisioner.EnsureCreatedAsync(context.RequestAborted).ConfigureAwait(false);
        if (offsetsTopic != ErrorCode.None)
        {
            return ConsoleJson.FromKafka(offsetsTopic, "the offsets topic could not be created", $"resetting offsets of group '{groupId}'");
        }
        var description = await groups.DescribeGroupAsync(groupId, context.RequestAborted).ConfigureAwait(false);
        for (var attempt = 0; attempt < 50 && description.Error is ErrorCode.CoordinatorLoadInProgress or ErrorCode.NotCoordinator or ErrorCode.CoordinatorNotAvailable; attempt++)
        {
            await Task.Delay(100, context.RequestAborted).ConfigureAwait(false);
            description = await groups.DescribeGroupAsync(groupId, context.RequestAborted).ConfigureAwait(false);
        }
        if (description.Error != ErrorCode.None)
        {
            return ConsoleJson.FromKafka(description.Error, null, $"resetting offsets of group '{groupId}'");
        }
        if (description.Exists && description.State is not (GroupState.Empty or GroupState.Dead))
        {
            return ConsoleJson.Problem(StatusCodes.Status409Conflict, "Group is active",
                $"group '{groupId}' is {description.State} with {description.Members.Count} member(s); stop its consumers before resetting offsets");
        }
        if (replicas is null)
        {
            return ConsoleJson.Problem(StatusCodes.Status503ServiceUnavailable, "No data plane", "this node hosts no partitions");
        }
        var entries = new List<OffsetCommitEntry>();
        foreach (var p in topic.Partitions.Keys.Where(p => onlyPartition is null || p == onlyPartition).Order())
        {
            var tp = new TopicPartition(topic.Name, p);
            long offset;
            if (to == "offset")
            {
                offset = target;
            }
            else
            {
                var found = replicas.ListOffset(tp, to switch { "earliest" => ListOffsetsTimestamps.Earliest, "latest" => ListOffsetsTimestamps.Latest, _ => target }, isolationLevel: 0, currentLeaderEpoch: -1);
                if (found.Error != ErrorCode.None)
                {
                    return ConsoleJson.FromKafka(found.Error, null, $"looking up offsets of {tp.Topic}/{tp.Partition}");
                }
                offset = found.Offset >= 0 ? found.Offset : replicas.TryGetPartition(tp, out var partition) ? partition.HighWatermark : 0;
            }
            if (replicas.TryGetPartition(tp, out var hosted))
            {
                offset = Math.Clamp(offset, hosted.LogStartOffset, hosted.HighWatermark);
            }
            entries.Add(new OffsetCommitEntry(topic.Name, p, offset, -1, null));
        }
        var errors = await groups.CommitOffsetsAsync(new OffsetCommitParameters(groupId, -1, string.Empty, null, -1, entries), context.RequestAborted).ConfigureAwait(false);
        var failed = errors.FirstOrDefault(e => e != ErrorCode.None);
        return failed != ErrorCode.None
            ? ConsoleJson.FromKafka(failed, null, $"committing offsets of group '{groupId}'")
            : ConsoleJson.Ok(new { group = groupId, offsets = entries.Select(e => new { topic = e.Topic, partition = e.Partition, offset = e.Offset }) });
    }

    private static object DescribeBroker(GregorBroker broker, IController controller, ReplicaManager? replicas, ConsoleSample sample)
    {
        var image = controller.Current;
        var described = broker.Services.GetRequiredService<ConfigDescriber>().DescribeBroker(controller.Configs.NodeResourceName);
        var dataDir = broker.DataDir;
        DriveInfo? drive = null;
        try
        {
            drive = new DriveInfo(dataDir);
        }
        catch (ArgumentException)
        {
            // No drive information for this path (unusual mounts): sizes only.
        }
        var partitions = (replicas?.Partitions ?? []).OrderBy(p => p.TopicPartition.Topic, StringComparer.Ordinal).ThenBy(p => p.TopicPartition.Partition).Select(p => new
        {
            topic = p.TopicPartition.Topic,
            partition = p.TopicPartition.Partition,
            sizeBytes = p.Log is StorageReplicaLog s ? s.PartitionLog.Size : -1,
            segments = p.Log is StorageReplicaLog s2 ? s2.PartitionLog.SegmentCount : 0,
            logStartOffset = p.LogStartOffset,
            logEndOffset = p.LogEndOffset,
        }).ToList();
        return new
        {
            nodeId = controller.Configs.NodeId,
            clusterId = image.ClusterId,
            controllerId = image.ControllerId,
            state = broker.Lifecycle.State.ToString().ToLowerInvariant(),
            listeners = broker.BoundEndPoints.Select(e => e.ToString()),
            configs = described.Select(c => new
            {
                name = c.Name,
                value = c.IsSensitive ? null : c.Value,
                sensitive = c.IsSensitive,
                source = c.Source switch
                {
                    ConfigSource.DynamicBrokerConfig => "dynamic-broker",
                    ConfigSource.DynamicDefaultBrokerConfig => "dynamic-default",
                    ConfigSource.StaticBrokerConfig => "static",
                    _ => "default",
                },
                readOnly = c.ReadOnly,
            }),
            logDirs = new[]
            {
                new
                {
                    path = dataDir,
                    totalBytes = SafeSize(() => drive?.TotalSize),
                    freeBytes = SafeSize(() => drive?.AvailableFreeSpace),
                    sizeBytes = partitions.Sum(p => Math.Max(0, p.sizeBytes)),
                    partitions,
                },
            },
            requests = sample.Requests,
        };
    }

    private static long? SafeSize(Func<long?> read)
    {
        try
        {
            return read();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool TryInt(JsonElement json, string name, int fallback, out int value)
    {
        value = fallback;
        if (!json.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out value)
            || element.ValueKind == JsonValueKind.String && int.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryText(JsonElement json, string name, out byte[]? value)
    {
        value = null;
        if (!json.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        value = Encoding.UTF8.GetBytes(element.GetString()!);
        return true;
    }

    private static bool TryQueryLong(IQueryCollection query, string name, long fallback, out long value)
    {
        value = fallback;
        return !query.TryGetValue(name, out var text) || long.TryParse(text.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }
}
