using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>BrokerRegistration (API 62, v0-4): a broker registers an incarnation with the active controller (KIP-631); answered once committed.</summary>
public sealed class BrokerRegistrationHandler(QuorumNode quorum) : ApiHandler<BrokerRegistrationRequest, BrokerRegistrationResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 4;

    protected override async ValueTask<BrokerRegistrationResponse?> HandleAsync(RequestContext context, BrokerRegistrationRequest request, CancellationToken cancellationToken)
    {
        if (quorum.Controller is not { } controller)
        {
            return new BrokerRegistrationResponse { ErrorCode = (short)ErrorCode.NotController, BrokerEpoch = -1 };
        }
        var data = QuorumNode.FromWire(request, context.ApiVersion);
        var reply = new TaskCompletionSource<BrokerRegistrationReplyData>(TaskCreationOptions.RunContinuationsAsynchronously);
        await controller.Driver.InvokeAsync(() => controller.Core.RegisterBroker(data, r => reply.TrySetResult(r)), cancellationToken).ConfigureAwait(false);
        var result = await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new BrokerRegistrationResponse { ErrorCode = (short)result.Error, BrokerEpoch = result.BrokerEpoch };
    }
}
