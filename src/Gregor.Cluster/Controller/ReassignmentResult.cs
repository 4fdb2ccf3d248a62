using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The result for one partition of AlterPartitionReassignments: None once the reassignment
/// (or its cancellation) is committed — not once it completes —, else Kafka's error
/// (UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT, NO_REASSIGNMENT_IN_PROGRESS,
/// INVALID_REPLICATION_FACTOR).
/// </summary>
public sealed record ReassignmentResult(string Topic, int Partition, ErrorCode Error, string? Message = null);
