namespace Gregor.Cluster.Raft;

/// <summary>
/// Receives the committed metadata log, as Kafka's <c>RaftClient.Listener</c>. Called on the one
/// thread that drives the Raft core; implementations must not block.
/// </summary>
public interface IRaftListener
{
    /// <summary>
    /// Committed batches, in order, exactly once per listener (after
    /// <see cref="HandleLoadSnapshot"/>, from the offset after the snapshot).
    /// </summary>
    void HandleCommit(RaftBatch batch);

    /// <summary>A snapshot replaces everything up to and including <c>snapshot.LastContained</c>.</summary>
    void HandleLoadSnapshot(RaftSnapshot snapshot);

    /// <summary>
    /// The leader changed. On the new leader itself this is called only once this listener has
    /// been handed every batch before the leader's epoch start (so a controller that becomes
    /// active has replayed everything committed before it).
    /// </summary>
    void HandleLeaderChange(LeaderAndEpoch leader);
}
