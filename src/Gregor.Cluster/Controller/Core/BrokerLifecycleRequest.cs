namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// A request the broker's lifecycle manager wants sent to the active controller: exactly one of
/// <see cref="Registration"/> and <see cref="Heartbeat"/>. <see cref="Sequence"/> goes back with
/// the answer, so a late answer to an abandoned request is ignored.
/// </summary>
public sealed record BrokerLifecycleRequest(long Sequence, BrokerRegistrationRequestData? Registration, BrokerHeartbeatRequestData? Heartbeat);
