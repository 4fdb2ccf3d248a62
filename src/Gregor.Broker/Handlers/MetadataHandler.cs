using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Security;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// Metadata (v0-13): brokers, cluster id, controller and the requested topics from the current
/// metadata image. Missing topics are created when auto.create.topics.enable and the request
/// allow it (v4+ AllowAutoTopicCreation; always allowed before v4, as in Kafka). Authorized
/// operations (v8+) are filled in when asked for, from <see cref="AclOperations"/>.
/// </summary>
public sealed class MetadataHandler(
    IController controller,
    AutoTopicCreator autoTopicCreator,
    BrokerConfig config) : ApiHandler<MetadataRequest, MetadataResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 13;

    protected override async ValueTask<MetadataResponse?> HandleAsync(RequestContext context, MetadataRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var allowAutoCreate = config.AutoCreateTopicsEnable && (version < 4 || request.AllowAutoTopicCreation);
        var response = new MetadataResponse();
        // v0: an empty list means every topic; v1+: null means every topic, empty means none.
        var allTopics = request.Topics is null || (version == 0 && request.Topics.Count == 0);
        if (allTopics)
        {
            var current = controller.Current;
            foreach (var topic in current.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                response.Topics.Add(Describe(current, topic));
            }
        }
        else
        {
            // A topic asked for twice is answered once, as Kafka does.
            var seen = new HashSet<(string?, Guid)>();
            foreach (var requested in request.Topics!)
            {
                if (seen.Add((requested.Name, requested.Name is null ? requested.TopicId : Guid.Empty)))
                {
                    response.Topics.Add(await ResolveAsync(requested, allowAutoCreate, cancellationToken).ConfigureAwait(false));
                }
            }
        }
        var image = controller.Current;
        foreach (var broker in image.Brokers.Values.Where(b => !b.Fenced).OrderBy(b => b.NodeId))
        {
            response.Brokers.Add(new MetadataResponse.MetadataResponseBroker
            {
                NodeId = broker.NodeId,
                Host = broker.Host,
                Port = broker.Port,
                Rack = broker.Rack,
            });
        }
        response.ClusterId = image.ClusterId;
        response.ControllerId = image.ControllerId;
        // As Kafka's handleTopicMetadataRequest: only from v8, only when asked (otherwise the
        // INT32_MIN default), the cluster's only in v8-10 (v11 dropped the field).
        if (version >= 8)
        {
            if (version <= 10 && request.IncludeClusterAuthorizedOperations)
            {
                response.ClusterAuthorizedOperations = AclOperations.Authorized(AclResourceType.Cluster);
            }
            if (request.IncludeTopicAuthorizedOperations)
            {
                foreach (var topic in response.Topics)
                {
                    // Kafka fills every topic it looked up by name, found or not; not unknown topic ids.
                    if (topic.Name is not null)
                    {
                        topic.TopicAuthorizedOperations = AclOperations.Authorized(AclResourceType.Topic);
                    }
                }
            }
        }
        return response;
    }

    private async Task<MetadataResponse.MetadataResponseTopic> ResolveAsync(
        MetadataRequest.MetadataRequestTopic requested, bool allowAutoCreate, CancellationToken cancellationToken)
    {
        var image = controller.Current;
        if (requested.Name is null)
        {
            return image.TopicsById.TryGetValue(requested.TopicId, out var byId)
                ? Describe(image, byId)
                : Error(ErrorCode.UnknownTopicId, null, requested.TopicId);
        }
        var name = requested.Name;
        if (image.Topic(name) is { } topic)
        {
            return Describe(image, topic);
        }
        if (TopicNames.Validate(name) is not null)
        {
            return Error(ErrorCode.InvalidTopicException, name, Guid.Empty);
        }
        if (!allowAutoCreate)
        {
            return Error(ErrorCode.UnknownTopicOrPartition, name, Guid.Empty);
        }
        var (error, created) = await autoTopicCreator.GetOrCreateAsync(name, cancellationToken).ConfigureAwait(false);
        return created is not null ? Describe(controller.Current, created) : Error(error, name, Guid.Empty);
    }

    private static MetadataResponse.MetadataResponseTopic Error(ErrorCode error, string? name, Guid topicId) => new()
    {
        ErrorCode = (short)error,
        Name = name,
        TopicId = topicId,
    };

    private static MetadataResponse.MetadataResponseTopic Describe(MetadataImage image, TopicImage topic)
    {
        var result = new MetadataResponse.MetadataResponseTopic
        {
            Name = topic.Name,
            TopicId = topic.TopicId,
            IsInternal = topic.IsInternal,
        };
        foreach (var partition in topic.Partitions.Values.OrderBy(p => p.Partition))
        {
            result.Partitions.Add(new MetadataResponse.MetadataResponsePartition
            {
                ErrorCode = (short)(partition.Leader < 0 ? ErrorCode.LeaderNotAvailable : ErrorCode.None),
                PartitionIndex = partition.Partition,
                LeaderId = partition.Leader,
                LeaderEpoch = partition.LeaderEpoch,
                ReplicaNodes = [.. partition.Replicas],
                IsrNodes = [.. partition.Isr],
                // Kafka's KRaftMetadataCache: a replica on a fenced or unregistered broker is offline.
                OfflineReplicas = [.. partition.Replicas.Where(r => !image.Brokers.TryGetValue(r, out var broker) || broker.Fenced)],
            });
        }
        return result;
    }
}
