using System.Globalization;
using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeConfigs (v0-4): topic configs (every known config with its effective value and
/// source) and this broker's configs (resource name = this node id, or "" for the cluster
/// default). Synonyms (v1+) only when asked; config types from v3; documentation is null.
/// </summary>
public sealed class DescribeConfigsHandler(IController controller, ConfigDescriber describer, BrokerConfig config)
    : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>
{
    public override short MinVersion => DescribeConfigsRequest.LowestSupportedVersion;
    public override short MaxVersion => DescribeConfigsRequest.HighestSupportedVersion;

    protected override ValueTask<DescribeConfigsResponse?> HandleAsync(
        RequestContext context, DescribeConfigsRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeConfigsResponse();
        var includeSynonyms = context.ApiVersion >= 1 && request.IncludeSynonyms;
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
                case ConfigResourceType.Broker when resource.ResourceName.Length == 0 || resource.ResourceName == config.NodeId.ToString(CultureInfo.InvariantCulture):
                    entries = describer.DescribeBroker();
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
                var keys = resource.ConfigurationKeys is { } requested ? new HashSet<string>(requested, StringComparer.Ordinal) : null;
                foreach (var entry in entries)
                {
                    if (keys is null || keys.Contains(entry.Name))
                    {
                        result.Configs.Add(ToWire(entry, context.ApiVersion, includeSynonyms));
                    }
                }
            }
            response.Results.Add(result);
        }
        return ValueTask.FromResult<DescribeConfigsResponse?>(response);
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult ToWire(ConfigDescriber.Entry entry, short version, bool includeSynonyms)
    {
        var result = new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = entry.Name,
            Value = entry.Value,
            ReadOnly = false,
            // v0 reports only whether the value is a default; v1+ reports the source instead.
            IsDefault = version == 0 && entry.Source == ConfigSource.DefaultConfig,
            ConfigSource = version >= 1 ? (sbyte)entry.Source : (sbyte)-1,
            IsSensitive = entry.IsSensitive,
            ConfigType = version >= 3 ? (sbyte)entry.Type : (sbyte)0,
            Documentation = version >= 3 ? null : "",
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
