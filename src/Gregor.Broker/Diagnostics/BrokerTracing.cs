using System.Diagnostics;
using System.Text;
using Gregor.Broker.Dispatch;
using Gregor.Protocol;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Diagnostics;

/// <summary>
/// The broker's spans (activity source <c>Gregor.Broker</c>, exported by the host over OTLP when
/// <c>gregor.otlp.endpoint</c> is set): one server span per Kafka request, named and tagged after
/// OpenTelemetry's messaging conventions — <c>{operation} {destination}</c> (<c>send orders</c>,
/// <c>receive orders</c>, <c>JoinGroup my-group</c>), <c>messaging.system=kafka</c>,
/// <c>messaging.operation.name</c>/<c>.type</c>, <c>messaging.destination.name</c>,
/// <c>messaging.consumer.group.name</c>, <c>messaging.client.id</c>. A produce span links to the
/// W3C <c>traceparent</c> record headers that producer instrumentations (OpenTelemetry's
/// Confluent.Kafka and Java Kafka instrumentations) put on records, so a trace goes producer →
/// broker; the header stays on the record, so consumers continue the trace as before.
/// <para>
/// Nothing runs unless a listener samples the source (<see cref="ActivitySource.HasListeners"/>):
/// without <c>gregor.otlp.endpoint</c> the produce path reads no header. With it, at most
/// <see cref="MaxLinks"/> links are made per request, from uncompressed batches only (a
/// compressed batch would have to be inflated for tracing alone). Thread-safe.
/// </para>
/// </summary>
public static class BrokerTracing
{
    public const string SourceName = "Gregor.Broker";

    /// <summary>The most producer contexts one produce span links to.</summary>
    public const int MaxLinks = 32;

    public static readonly ActivitySource Source = new(SourceName);

    private static readonly byte[] TraceParentKey = Encoding.ASCII.GetBytes("traceparent");

    /// <summary>Starts the span of one request, or returns null when nobody listens.</summary>
    public static Activity? StartRequest(RequestContext context, IRequestMessage body)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var (operationType, destination, group) = Describe(body);
        var operation = context.ApiKey switch
        {
            ApiKey.Produce => "send",
            ApiKey.Fetch => "receive",
            _ => context.ApiKey.ToString(),
        };
        var links = body is ProduceRequest produce ? ProducerLinks(produce) : null;
        var activity = Source.StartActivity(
            destination is null ? operation : $"{operation} {destination}",
            ActivityKind.Server,
            parentContext: default,
            tags: null,
            links: links);
        if (activity is null)
        {
            return null;
        }
        activity.SetTag("messaging.system", "kafka");
        activity.SetTag("messaging.operation.name", operation);
        if (operationType is not null)
        {
            activity.SetTag("messaging.operation.type", operationType);
        }
        if (destination is not null)
        {
            activity.SetTag("messaging.destination.name", destination);
        }
        if (group is not null)
        {
            activity.SetTag("messaging.consumer.group.name", group);
        }
        if (context.ClientId is { Length: > 0 } clientId)
        {
            activity.SetTag("messaging.client.id", clientId);
        }
        activity.SetTag("messaging.kafka.api.version", (int)context.ApiVersion);
        activity.SetTag("network.peer.address", context.RemoteEndPoint?.ToString());
        return activity;
    }

    private static (string? OperationType, string? Destination, string? Group) Describe(IRequestMessage body) => body switch
    {
        ProduceRequest p => ("send", SingleOrNull(p.TopicData.Select(t => t.Name)), null),
        FetchRequest f => ("receive", SingleOrNull(f.Topics.Select(t => t.Topic)), null),
        JoinGroupRequest j => (null, null, j.GroupId),
        SyncGroupRequest s => (null, null, s.GroupId),
        HeartbeatRequest h => (null, null, h.GroupId),
        LeaveGroupRequest l => (null, null, l.GroupId),
        OffsetCommitRequest c => ("settle", SingleOrNull(c.Topics.Select(t => t.Name)), c.GroupId),
        CreateTopicsRequest t => (null, SingleOrNull(t.Topics.Select(x => x.Name)), null),
        DeleteTopicsRequest d => (null, SingleOrNull(d.TopicNames.Concat(d.Topics.Select(t => t.Name))), null),
        _ => (null, null, null),
    };

    private static string? SingleOrNull(IEnumerable<string?> names)
    {
        string? single = null;
        foreach (var name in names)
        {
            if (string.IsNullOrEmpty(name) || (single is not null && single != name))
            {
                return null;
            }
            single = name;
        }
        return single;
    }

    private static List<ActivityLink>? ProducerLinks(ProduceRequest produce)
    {
        List<ActivityLink>? links = null;
        try
        {
            foreach (var topic in produce.TopicData)
            {
                foreach (var partition in topic.PartitionData)
                {
                    if (partition.Records is not { } records)
                    {
                        continue;
                    }
                    var batches = new RecordBatchIterator(records, verifyCrc: false);
                    while (batches.MoveNext())
                    {
                        var batch = batches.Current;
                        if (batch.IsCompressed)
                        {
                            continue;
                        }
                        using var opened = batch.OpenRecords();
                        foreach (var record in opened)
                        {
                            foreach (var header in record.Headers)
                            {
                                if (header.IsValueNull || !header.Key.Span.SequenceEqual(TraceParentKey))
                                {
                                    continue;
                                }
                                if (ActivityContext.TryParse(Encoding.ASCII.GetString(header.Value.Span), null, out var parent))
                                {
                                    (links ??= []).Add(new ActivityLink(parent));
                                    if (links.Count >= MaxLinks)
                                    {
                                        return links;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        catch (ProtocolException)
        {
            // A malformed batch is the produce path's to reject; tracing just links nothing more.
        }
        return links;
    }
}
