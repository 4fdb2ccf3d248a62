using Gregor.Broker.Admin;
using Gregor.Broker.Dispatch;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// CreateTopics (v0-7): each topic is validated and created by the controller (numPartitions /
/// replicationFactor -1 = broker defaults, manual assignments, configs, validateOnly from v1).
/// From v5 a created topic reports its partition count, replication factor and every config with
/// its source; v7 adds the topic id. A name given twice in one request is INVALID_REQUEST.
/// </summary>
public sealed class CreateTopicsHandler(IController controller, ConfigDescriber describer)
    : ApiHandler<CreateTopicsRequest, CreateTopicsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 7;

    protected override async ValueTask<CreateTopicsResponse?> HandleAsync(
        RequestContext context, CreateTopicsRequest request, CancellationToken cancellationToken)
    {
        var response = new CreateTopicsResponse();
        var duplicates = request.Topics.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var validateOnly = context.ApiVersion >= 1 && request.validateOnly;
        foreach (var topic in request.Topics)
        {
            if (duplicates.Contains(topic.Name))
            {
                response.Topics.Add(Failed(topic.Name, ErrorCode.InvalidRequest, $"Create topics request from client `{context.ClientId}` contains multiple entries for the following topics: {topic.Name}"));
                continue;
            }
            var configs = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var entry in topic.Configs)
            {
                configs[entry.Name] = entry.Value;
            }
            var assignments = topic.Assignments.Count == 0
                ? null
                : topic.Assignments.GroupBy(a => a.PartitionIndex).ToDictionary(g => g.Key, g => g.Last().BrokerIds.ToArray());
            var outcome = await controller.CreateTopicAsync(
                new CreateTopicSpec(topic.Name, topic.NumPartitions, topic.ReplicationFactor, configs, assignments),
                validateOnly,
                cancellationToken).ConfigureAwait(false);
            if (outcome.Error != ErrorCode.None)
            {
                response.Topics.Add(Failed(topic.Name, outcome.Error, outcome.Message));
                continue;
            }
            var result = new CreateTopicsResponse.CreatableTopicResult
            {
                Name = topic.Name,
                TopicId = outcome.TopicId,
                ErrorCode = (short)ErrorCode.None,
                ErrorMessage = null,
                NumPartitions = outcome.NumPartitions,
                ReplicationFactor = outcome.ReplicationFactor,
                Configs = [],
            };
            // v5+ reports the created topic's configs; older versions cannot carry them.
            var overrides = configs.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!.Trim(), StringComparer.Ordinal);
            var reported = context.ApiVersion >= 5 ? outcome.EffectiveConfigs : new Dictionary<string, string>();
            foreach (var (name, value) in reported.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                var source = describer.TopicSource(name, overrides);
                var sensitive = ConfigCatalogue.FindTopic(name)?.IsSensitive ?? false;
                result.Configs.Add(new CreateTopicsResponse.CreatableTopicConfigs
                {
                    Name = name,
                    Value = sensitive ? null : value,
                    ReadOnly = false,
                    ConfigSource = (sbyte)source,
                    IsSensitive = sensitive,
                });
            }
            response.Topics.Add(result);
        }
        return response;
    }

    private static CreateTopicsResponse.CreatableTopicResult Failed(string name, ErrorCode error, string? message) => new()
    {
        Name = name,
        ErrorCode = (short)error,
        ErrorMessage = message,
        NumPartitions = -1,
        ReplicationFactor = -1,
        Configs = [],
    };
}
