namespace Gregor.Cluster.Replication;

/// <summary>
/// The follower's side of log divergence (Kafka's AbstractFetcherThread.getOffsetTruncationState):
/// given the leader's DivergingEpoch (from a fetch response) or OffsetForLeaderEpoch answer and
/// the follower's own epoch history, where the follower truncates. The caller then truncates
/// the log, calls <see cref="LeaderEpochCache.TruncateFromEnd"/>, and fetches on from the new
/// end with its new latest epoch as LastFetchedEpoch. Stateless.
/// </summary>
public static class FollowerTruncation
{
    /// <param name="followerCache">The follower's epoch history.</param>
    /// <param name="followerLogEndOffset">The follower's log end offset.</param>
    /// <param name="followerHighWatermark">The follower's high watermark (where it truncates when the leader has no answer and it has no epochs).</param>
    /// <param name="leaderAnswer">The leader's (epoch, end offset).</param>
    public static TruncationDecision Decide(LeaderEpochCache followerCache, long followerLogEndOffset, long followerHighWatermark, EpochEndOffset leaderAnswer)
    {
        if (leaderAnswer.IsUndefined)
        {
            // Kafka truncates to the initial fetch offset: the log end when it tracks epochs
            // (truncation on fetch), else the high watermark.
            var initial = followerCache.LatestEpoch >= 0 ? followerLogEndOffset : Math.Min(followerHighWatermark, followerLogEndOffset);
            return new TruncationDecision(initial, true);
        }
        if (leaderAnswer.Epoch == EpochEndOffset.UndefinedEpoch)
        {
            return new TruncationDecision(Math.Min(leaderAnswer.EndOffset, followerLogEndOffset), true);
        }
        var own = followerCache.EndOffsetFor(leaderAnswer.Epoch, followerLogEndOffset);
        if (own.IsUndefined)
        {
            // The follower has no epoch history here (new, or emptied): the leader's offset is safe.
            return new TruncationDecision(Math.Min(leaderAnswer.EndOffset, followerLogEndOffset), true);
        }
        if (own.Epoch != leaderAnswer.Epoch)
        {
            // The follower never saw the leader's epoch: cut back to the end of its own largest
            // epoch below it and ask again (KIP-279's loop), so no divergent data survives.
            return new TruncationDecision(Math.Min(own.EndOffset, followerLogEndOffset), false);
        }
        return new TruncationDecision(Math.Min(Math.Min(own.EndOffset, leaderAnswer.EndOffset), followerLogEndOffset), true);
    }
}
