using Gregor.Broker.Admin;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Shares;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs (v0-1): SET, DELETE, APPEND and SUBTRACT (list configs only) on a
/// topic's overrides or a broker resource's dynamic configs, validated and committed as one
/// change per resource; GROUP resources (share group configs) go to the <see cref="ShareGroupCoordinator"/>;
/// an unknown operation is INVALID_REQUEST.
/// </summary>
public sealed class IncrementalAlterConfigsHandler(IController controller, ShareGroupCoordinator shares)
    : ApiHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override async ValueTask<IncrementalAlterConfigsResponse?> HandleAsync(
        RequestContext context, IncrementalAlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var duplicates = ConfigAlterations.Duplicates(request.Resources.Select(r => (r.ResourceType, r.ResourceName)));
        var response = new IncrementalAlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            (ErrorCode Error, string? Message) outcome;
            if (duplicates.Contains((resource.ResourceType, resource.ResourceName)))
            {
                outcome = (ErrorCode.InvalidRequest, ConfigAlterations.DuplicateResourceMessage);
            }
            else if (resource.Configs.FirstOrDefault(c => c.ConfigOperation is < 0 or > (sbyte)ConfigOperation.Subtract) is { } bad)
            {
                outcome = (ErrorCode.InvalidRequest, $"Unknown alter config operation type {bad.ConfigOperation} for {bad.Name}");
            }
            else if (resource.ResourceType == (sbyte)ConfigResourceType.Group)
            {
                outcome = shares.AlterConfigs(resource.ResourceName,
                    [.. resource.Configs.Select(c => new ConfigChange(c.Name, (ConfigOperation)c.ConfigOperation, c.Value))],
                    incremental: true, request.ValidateOnly);
            }
            else
            {
                outcome = await ConfigAlterations.ApplyAsync(controller, resource.ResourceType, resource.ResourceName,
                    [.. resource.Configs.Select(c => new ConfigChange(c.Name, (ConfigOperation)c.ConfigOperation, c.Value))],
                    incremental: true, request.ValidateOnly, cancellationToken).ConfigureAwait(false);
            }
            response.Responses.Add(new IncrementalAlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)outcome.Error,
                ErrorMessage = outcome.Message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }
        return response;
    }
}
