namespace Gregor.Cluster.Controller;

/// <summary>
/// A broker's heartbeat (Kafka's BrokerHeartbeatRequest): the incarnation's epoch, how far it has
/// replayed the metadata log, and whether it wants to be fenced or to shut down.
/// </summary>
public sealed record BrokerHeartbeatRequestData(
    int BrokerId,
    long BrokerEpoch,
    long CurrentMetadataOffset,
    bool WantFence,
    bool WantShutDown);
