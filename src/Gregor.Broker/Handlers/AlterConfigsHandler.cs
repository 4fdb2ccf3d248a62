using Gregor.Broker.Admin;
using Gregor.Broker.Dispatch;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// AlterConfigs (v0-2, the legacy non-incremental API): a topic's overrides, or a broker
/// resource's dynamic configs, are replaced by exactly the given set.
/// A resource named twice is INVALID_REQUEST.
/// </summary>
public sealed class AlterConfigsHandler(IController controller) : ApiHandler<AlterConfigsRequest, AlterConfigsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override async ValueTask<AlterConfigsResponse?> HandleAsync(
        RequestContext context, AlterConfigsRequest request, CancellationToken cancellationToken)
    {
        var duplicates = ConfigAlterations.Duplicates(request.Resources.Select(r => (r.ResourceType, r.ResourceName)));
        var response = new AlterConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var (error, message) = duplicates.Contains((resource.ResourceType, resource.ResourceName))
                ? (ErrorCode.InvalidRequest, ConfigAlterations.DuplicateResourceMessage)
                : await ConfigAlterations.ApplyAsync(controller, resource.ResourceType, resource.ResourceName,
                    [.. resource.Configs.Select(c => new ConfigChange(c.Name, ConfigOperation.Set, c.Value))],
                    incremental: false, request.ValidateOnly, cancellationToken).ConfigureAwait(false);
            response.Responses.Add(new AlterConfigsResponse.AlterConfigsResourceResponse
            {
                ErrorCode = (short)error,
                ErrorMessage = message,
                ResourceType = resource.ResourceType,
                ResourceName = resource.ResourceName,
            });
        }
        return response;
    }
}
