namespace Gregor.Broker.Replication;

/// <summary>
/// Settings of the replica manager: this node's id (it hosts the partitions it leads), the
/// broker-wide <c>message.max.bytes</c> (topic <c>max.message.bytes</c> overrides it) and the
/// fetch session cache bound.
/// </summary>
public sealed record ReplicaManagerOptions(
    int NodeId,
    int MessageMaxBytes = 1048588,
    int MaxFetchSessions = FetchSessionCache.DefaultMaxSessions);
