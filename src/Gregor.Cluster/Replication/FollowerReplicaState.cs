namespace Gregor.Cluster.Replication;

/// <summary>
/// What a leader knows about one follower replica (Kafka's Replica / ReplicaState): its log end
/// offset as of its last fetch (-1 until it fetches from this leader), the broker epoch its
/// fetches carried, and the times that decide ISR membership. Owned and mutated by
/// <see cref="LeaderReplicaState"/> only; readers see it under the partition's lock.
/// </summary>
public sealed class FollowerReplicaState
{
    internal FollowerReplicaState(int brokerId)
    {
        BrokerId = brokerId;
    }

    public int BrokerId { get; }

    /// <summary>The follower's log end offset (its last fetch offset); -1 when unknown.</summary>
    public long LogEndOffset { get; internal set; } = -1;

    /// <summary>The broker epoch from its last fetch (KIP-903); null before any fetch, -1 when the fetch carried none.</summary>
    public long? BrokerEpoch { get; internal set; }

    /// <summary>
    /// The last time the follower was caught up: a fetch at an offset ≥ the leader's log end
    /// offset at that time, or ≥ the leader's log end offset as of its previous fetch (then the
    /// previous fetch's time counts). Null when never (Kafka's 0, which a wall clock never
    /// comes near; a caller's clock may start at 0).
    /// </summary>
    public long? LastCaughtUpTimeMs { get; internal set; }

    /// <summary>The leader's log end offset when the follower last fetched (-1 before any fetch).</summary>
    public long LastFetchLeaderLogEndOffset { get; internal set; } = -1;

    /// <summary>When the follower last fetched (null before any fetch from this leader).</summary>
    public long? LastFetchTimeMs { get; internal set; }

    /// <summary>Kafka's isCaughtUp: at the leader's end, or caught up within the lag bound.</summary>
    public bool IsCaughtUp(long leaderLogEndOffset, long nowMs, long replicaLagTimeMaxMs) =>
        leaderLogEndOffset == LogEndOffset || (LastCaughtUpTimeMs is { } caughtUp && nowMs - caughtUp <= replicaLagTimeMaxMs);

    internal void UpdateFetchState(long fetchOffset, long fetchTimeMs, long leaderLogEndOffset, long brokerEpoch)
    {
        if (fetchOffset >= leaderLogEndOffset)
        {
            LastCaughtUpTimeMs = Max(LastCaughtUpTimeMs, fetchTimeMs);
        }
        else if (LastFetchTimeMs is { } previousFetch && fetchOffset >= LastFetchLeaderLogEndOffset)
        {
            LastCaughtUpTimeMs = Max(LastCaughtUpTimeMs, previousFetch);
        }
        LogEndOffset = fetchOffset;
        LastFetchLeaderLogEndOffset = leaderLogEndOffset;
        LastFetchTimeMs = fetchTimeMs;
        BrokerEpoch = brokerEpoch;
    }

    internal void Reset(long nowMs, long leaderLogEndOffset, bool isNewLeader, bool isInSync)
    {
        // In the ISR: caught up "now", so it gets a full lag period; outside: never, so it does not
        // hold the high watermark back (Kafka's resetReplicaState).
        LastCaughtUpTimeMs = isInSync ? nowMs : null;
        if (isNewLeader)
        {
            LogEndOffset = -1;
            LastFetchLeaderLogEndOffset = -1;
            LastFetchTimeMs = null;
            BrokerEpoch = null;
        }
        else
        {
            LastFetchLeaderLogEndOffset = leaderLogEndOffset;
        }
    }

    private static long Max(long? current, long candidate) => current is { } c ? Math.Max(c, candidate) : candidate;
}
