using System.Globalization;
using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeConfigs (v0-4), as Kafka 4's ConfigHelper: topic configs (every topic config with its
/// effective value and source), this broker's configs (resource name = this node id) or the
/// cluster-wide dynamic defaults (resource name ""). Synonyms (v1+) and documentation (v3+) only
/// when asked; config types from v3; a null or empty key list means every config.
/// </summary>
public sealed class DescribeConfigsHandler(IController controller, ConfigDescriber describer, BrokerConfig config)
    : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override ValueTask<DescribeConfigsResponse?> HandleAsync(
        RequestContext context, DescribeConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeConfigsResponse();
        var includeSynonyms = context.ApiVersion >= 1 && request.IncludeSynonyms;
        var includeDocumentation = context.ApiVersion >= 3 && request.IncludeDocumentation;
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult
            {
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
                ErrorMessage = null,
            };
            IEnumerable<ConfigDescriber.Entry>? entries = null;
            switch ((ConfigResourceType)resource.ResourceType)
            {
                case ConfigResourceType.Topic when TopicNames.Validate(resource.ResourceName) is { } invalid:
                    (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.InvalidTopicException, invalid);
                    break;
                case ConfigResourceType.Topic when controller.Current.Topic(resource.ResourceName) is { } topic:
                    entries = describer.DescribeTopic(topic);
                    break;
                case ConfigResourceType.Topic:
                    (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.UnknownTopicOrPartition, $"Topic {resource.ResourceName} does not exist.");
                    break;
                case ConfigResourceType.Broker when resource.ResourceName.Length > 0
                    && !int.TryParse(resource.ResourceName, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _):
                    (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.InvalidRequest, $"Broker id must be an integer, but it is: {resource.ResourceName}");
                    break;
                case ConfigResourceType.Broker when resource.ResourceName.Length == 0 || int.Parse(resource.ResourceName, CultureInfo.InvariantCulture) == config.NodeId:
                    entries = describer.DescribeBroker(resource.ResourceName);
                    break;
                case ConfigResourceType.Broker:
                    (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.InvalidRequest,
                        $"Unexpected broker id, expected {config.NodeId} or empty string, but received {resource.ResourceName}");
                    break;
                default:
                    (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.InvalidRequest, $"Unsupported resource type {resource.ResourceType}");
                    break;
            }
            if (entries is not null)
            {
                var keys = resource.ConfigurationKeys is { Count: > 0 } requested ? new HashSet<string>(requested, StringComparer.Ordinal) : null;
                foreach (var entry in entries)
                {
                    if (keys is null || keys.Contains(entry.Name))
                    {
                        result.Configs.Add(ToWire(entry, context.ApiVersion, includeSynonyms, includeDocumentation));
                    }
                }
            }
            response.Results.Add(result);
        }
        return ValueTask.FromResult<DescribeConfigsResponse?>(response);
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult ToWire(ConfigDescriber.Entry entry, short version, bool includeSynonyms, bool includeDocumentation)
    {
        var result = new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = entry.Name,
            Value = entry.Value,
            ReadOnly = entry.ReadOnly,
            // v0 reports only whether the value is a default; v1+ reports the source instead.
            IsDefault = version == 0 && entry.Source == ConfigSource.DefaultConfig,
            ConfigSource = version >= 1 ? (sbyte)entry.Source : (sbyte)-1,
            IsSensitive = entry.IsSensitive,
            ConfigType = version >= 3 ? (sbyte)entry.Type : (sbyte)0,
            Documentation = includeDocumentation ? entry.Documentation : version >= 3 ? null : "",
        };
        if (includeSynonyms)
        {
            foreach (var synonym in entry.Synonyms)
            {
                result.Synonyms.Add(new DescribeConfigsResponse.DescribeConfigsSynonym
                {
                    Name = synonym.Name,
                    Value = synonym.Value,
                    Source = (sbyte)synonym.Source,
                });
            }
        }
        return result;
    }
}
