using Gregor.Broker.Dispatch;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Dispatch;

/// <summary>
/// A test-only Heartbeat handler: waits GenerationId milliseconds, then answers with the
/// generation id in ThrottleTimeMs, so tests can make later requests finish first and see
/// which request a response belongs to. A group id of "silent" gets no response at all (as
/// Produce with acks=0). Thread-safe.
/// </summary>
internal sealed class DelayedHeartbeatHandler : ApiHandler<HeartbeatRequest, HeartbeatResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override async ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken)
    {
        if (request.GenerationId > 0)
        {
            await Task.Delay(request.GenerationId, cancellationToken);
        }
        return request.GroupId == "silent" ? null : new HeartbeatResponse { ThrottleTimeMs = request.GenerationId };
    }
}
