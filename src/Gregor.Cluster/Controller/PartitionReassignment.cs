namespace Gregor.Cluster.Controller;

/// <summary>
/// One partition of an AlterPartitionReassignments request: the target replica list (the first
/// is the preferred leader), or null to cancel the partition's ongoing reassignment.
/// </summary>
public sealed record PartitionReassignment(string Topic, int Partition, IReadOnlyList<int>? TargetReplicas);
