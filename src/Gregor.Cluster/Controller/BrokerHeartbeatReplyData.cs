using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The controller's answer to a heartbeat (Kafka's BrokerHeartbeatResponse): whether the broker has
/// caught up with the metadata log, whether it is fenced, and whether it may shut down now.
/// </summary>
public sealed record BrokerHeartbeatReplyData(ErrorCode Error, string? Message, bool IsCaughtUp, bool IsFenced, bool ShouldShutDown)
{
    public static BrokerHeartbeatReplyData Failed(ErrorCode error, string message) => new(error, message, false, true, false);
}
