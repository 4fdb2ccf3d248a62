using Gregor.Broker.Admin;
using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeCluster (v0-2): cluster id, controller and brokers from the metadata image. This node
/// is both broker and controller, so endpoint type 2 (controllers) lists it as well.
/// </summary>
public sealed class DescribeClusterHandler(IController controller, BrokerRegistration registration)
    : ApiHandler<DescribeClusterRequest, DescribeClusterResponse>
{
    private const sbyte BrokerEndpoints = 1;
    private const sbyte ControllerEndpoints = 2;

    public override short MinVersion => DescribeClusterRequest.LowestSupportedVersion;
    public override short MaxVersion => DescribeClusterRequest.HighestSupportedVersion;

    protected override async ValueTask<DescribeClusterResponse?> HandleAsync(
        RequestContext context, DescribeClusterRequest request, CancellationToken cancellationToken)
    {
        await registration.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        var endpointType = context.ApiVersion >= 1 ? request.EndpointType : BrokerEndpoints;
        var response = new DescribeClusterResponse { EndpointType = endpointType };
        if (endpointType is not (BrokerEndpoints or ControllerEndpoints))
        {
            response.ErrorCode = (short)ErrorCode.UnsupportedEndpointType;
            response.ErrorMessage = $"Unsupported endpoint type {endpointType}";
            return response;
        }
        var image = controller.Current;
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
