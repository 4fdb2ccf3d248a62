using Gregor.Broker.Dispatch;
using Gregor.Broker.Security;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeCluster (v0-2): cluster id, controller and brokers from the metadata image. This node
/// is both broker and controller, so endpoint type 2 (controllers) lists it as well. The cluster's
/// authorized operations are filled in when asked for (<see cref="AclOperations"/>).
/// </summary>
public sealed class DescribeClusterHandler(IController controller)
    : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    private const sbyte BrokerEndpoints = 1;
    private const sbyte ControllerEndpoints = 2;

    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override ValueTask<DescribeClusterResponse?> HandleAsync(
        RequestContext context, DescribeClusterRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DescribeClusterResponse?>(Describe(context, request));

    private DescribeClusterResponse Describe(RequestContext context, DescribeClusterRequest request)
    {
        var endpointType = context.ApiVersion >= 1 ? request.EndpointType : BrokerEndpoints;
        var response = new DescribeClusterResponse { EndpointType = endpointType };
        if (endpointType is not (BrokerEndpoints or ControllerEndpoints))
        {
            response.ErrorCode = (short)ErrorCode.UnsupportedEndpointType;
            response.ErrorMessage = $"Unsupported endpoint type {endpointType}";
            return response;
        }
        var image = controller.Current;
        if (request.IncludeClusterAuthorizedOperations)
        {
            response.ClusterAuthorizedOperations = AclOperations.Authorized(AclResourceType.Cluster);
        }
        response.ClusterId = image.ClusterId;
        response.ControllerId = image.ControllerId;
        var includeFenced = context.ApiVersion >= 2 && request.IncludeFencedBrokers;
        foreach (var broker in image.Brokers.Values.OrderBy(b => b.NodeId))
        {
            if ((broker.Fenced && !includeFenced) || (endpointType == ControllerEndpoints && broker.NodeId != image.ControllerId))
            {
                continue;
            }
            response.Brokers.Add(new DescribeClusterResponse.DescribeClusterBroker
            {
                BrokerId = broker.NodeId,
                Host = broker.Host,
                Port = broker.Port,
                Rack = broker.Rack,
                IsFenced = context.ApiVersion >= 2 && broker.Fenced,
            });
        }
        return response;
    }
}
