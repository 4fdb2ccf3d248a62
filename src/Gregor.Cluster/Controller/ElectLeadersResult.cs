using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The result of an election for one partition: None when a new leader was elected (committed),
/// else Kafka's reason — ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE,
/// ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT.
/// </summary>
public sealed record ElectLeadersResult(string Topic, int Partition, ErrorCode Error, string? Message = null);
