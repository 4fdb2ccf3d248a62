namespace Gregor.Cluster.Replication;

/// <summary>The outcome class of <see cref="LeaderEpochCache.CheckFollowerFetch"/>.</summary>
public enum FetchEpochCheckKind
{
    /// <summary>The follower's log agrees with the leader's up to the fetch offset: serve the records.</summary>
    Consistent,

    /// <summary>The follower's log diverges: answer with <see cref="FetchEpochCheck.DivergingEpoch"/> and no records.</summary>
    Diverging,

    /// <summary>The leader cannot place the fetch in its history (or it is below the log start): OFFSET_OUT_OF_RANGE.</summary>
    OffsetOutOfRange,
}
