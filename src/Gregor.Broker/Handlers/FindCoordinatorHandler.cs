using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Broker.Network;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// FindCoordinator (key 10) v0-5: this node coordinates every group (key type 0) and every
/// transactional id (key type 1) — a cluster of one. The first group lookup creates
/// <c>__consumer_offsets</c>; if that fails the answer is COORDINATOR_NOT_AVAILABLE (clients
/// retry). v4+ batch keys (KIP-699). The address is this node's advertised listener for the
/// listener the request came in on. Stateless.
/// </summary>
public sealed class FindCoordinatorHandler(OffsetsTopicProvisioner offsetsTopic, ListenerEndpoints listeners, BrokerConfig config)
    : ApiHandler<FindCoordinatorRequest, FindCoordinatorResponse>
{
    private const sbyte GroupKeyType = 0;
    private const sbyte TransactionKeyType = 1;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<FindCoordinatorResponse?> HandleAsync(RequestContext context, FindCoordinatorRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var keyType = version >= 1 ? request.KeyType : GroupKeyType;
        var error = ErrorCode.None;
        if (keyType is not (GroupKeyType or TransactionKeyType))
        {
            error = ErrorCode.InvalidRequest;
        }
        else if (keyType == GroupKeyType)
        {
            error = await offsetsTopic.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }
        var (host, port) = Advertised(context.ListenerName);
        var ok = error == ErrorCode.None;
        var response = new FindCoordinatorResponse();
        if (version < 4)
        {
            response.ErrorCode = (short)error;
            response.ErrorMessage = version >= 1 && !ok ? error.ToString() : null;
            response.NodeId = ok ? config.NodeId : -1;
            response.Host = ok ? host : string.Empty;
            response.Port = ok ? port : -1;
            return response;
        }
        foreach (var key in request.CoordinatorKeys)
        {
            response.Coordinators.Add(new FindCoordinatorResponse.Coordinator
            {
                Key = key,
                ErrorCode = (short)error,
                ErrorMessage = ok ? null : error.ToString(),
                NodeId = ok ? config.NodeId : -1,
                Host = ok ? host : string.Empty,
                Port = ok ? port : -1,
            });
        }
        return response;
    }

    private (string Host, int Port) Advertised(string listenerName)
    {
        var advertised = listeners.Advertised;
        foreach (var listener in advertised)
        {
            if (listener.Name == listenerName)
            {
                return (listener.Host, listener.Port);
            }
        }
        return (advertised[0].Host, advertised[0].Port);
    }
}
