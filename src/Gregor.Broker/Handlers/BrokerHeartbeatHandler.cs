using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>BrokerHeartbeat (API 63, v0-1): renews a broker's session, unfences it once caught up, runs controlled shutdown (KIP-631).</summary>
public sealed class BrokerHeartbeatHandler(QuorumNode quorum) : ApiHandler<BrokerHeartbeatRequest, BrokerHeartbeatResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override async ValueTask<BrokerHeartbeatResponse?> HandleAsync(RequestContext context, BrokerHeartbeatRequest request, CancellationToken cancellationToken)
    {
        if (quorum.Controller is not { } controller)
        {
            return new BrokerHeartbeatResponse { ErrorCode = (short)ErrorCode.NotController, IsFenced = true };
        }
        var data = new BrokerHeartbeatRequestData(request.BrokerId, request.BrokerEpoch, request.CurrentMetadataOffset, request.WantFence, request.WantShutDown);
        var reply = new TaskCompletionSource<BrokerHeartbeatReplyData>(TaskCreationOptions.RunContinuationsAsynchronously);
        await controller.Driver.InvokeAsync(() => controller.Core.BrokerHeartbeat(data, r => reply.TrySetResult(r)), cancellationToken).ConfigureAwait(false);
        var result = await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new BrokerHeartbeatResponse
        {
            ErrorCode = (short)result.Error,
            IsCaughtUp = result.IsCaughtUp,
            IsFenced = result.IsFenced,
            ShouldShutDown = result.ShouldShutDown,
        };
    }
}
