using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>The controller's answer to a registration: an error, or the new incarnation's broker epoch.</summary>
public sealed record BrokerRegistrationReplyData(ErrorCode Error, string? Message, long BrokerEpoch);
