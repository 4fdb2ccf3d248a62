namespace Gregor.Cluster.Replication;

/// <summary>
/// Where a follower truncates its log after a DivergingEpoch (Kafka's OffsetTruncationState):
/// <see cref="TruncateTo"/> is the new log end offset (equal to the current one when nothing
/// diverged); <see cref="Completed"/> is false when the follower did not know the leader's epoch
/// and truncated only to the end of its own earlier epoch — its next fetch (with the new last
/// fetched epoch) finds out whether more must go.
/// </summary>
public readonly record struct TruncationDecision(long TruncateTo, bool Completed);
