using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>Heartbeat (key 12) v0-4: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. Stateless.</summary>
public sealed class HeartbeatHandler(GroupCoordinator groups) : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        var error = await groups.HeartbeatAsync(request.GroupId, request.MemberId, context.ApiVersion >= 3 ? request.GroupInstanceId : null, request.GenerationId)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        return new HeartbeatResponse { ErrorCode = (short)error };
    }
}
