using Gregor.Cluster.Replication;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// What the leader answers one partition of a follower's fetch with: the records read up to the
/// log end (null when none), or the diverging epoch (the follower's last fetched epoch ends
/// earlier here, or is unknown: it truncates, and nothing is read), and an ISR change the
/// follower's position made worth proposing.
/// </summary>
public sealed record ReplicaFetchRead(FetchedRecords? Records, (int Epoch, long EndOffset)? DivergingEpoch, IsrChange? Proposal);
