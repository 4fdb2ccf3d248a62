namespace Gregor.Cluster.Controller;

/// <summary>
/// A reassignment in progress, as ListPartitionReassignments reports it: the current replica set
/// (old ∪ target), the replicas being added (target − old) and removed (old − target).
/// </summary>
public sealed record OngoingReassignment(
    string Topic,
    int Partition,
    IReadOnlyList<int> Replicas,
    IReadOnlyList<int> AddingReplicas,
    IReadOnlyList<int> RemovingReplicas);
