using Gregor.Cluster.Replication;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// One partition replica inside one broker process: the disk log, the epoch cache loaded from
/// its checkpoint, the follower's high watermark, and — while this broker leads it — the
/// replication core's <see cref="LeaderReplicaState"/> plus the acks=all produces waiting on it.
/// </summary>
public sealed class SimReplica
{
    private long _persistedCacheVersion = -1;

    public SimReplica(int partition, SimPartitionLog log)
    {
        Partition = partition;
        Log = log;
        Cache = log.EpochCheckpoint is { } text && LeaderEpochCheckpoint.TryParse(text, out var entries)
            ? new LeaderEpochCache(entries)
            : RebuildCache(log);
        // The checkpoint is fsynced on every change, the log is not: after a machine crash it may
        // list epochs past the surviving log end (Kafka truncates it on load too).
        Cache.TruncateFromEnd(log.LogEndOffset);
        FollowerHighWatermark = Math.Min(log.HighWatermarkCheckpoint, log.LogEndOffset);
        PersistCache();
    }

    public int Partition { get; }

    public SimPartitionLog Log { get; }

    public LeaderEpochCache Cache { get; }

    public LeaderReplicaState? Leader { get; set; }

    public long FollowerHighWatermark { get; set; }

    public long HighWatermark => Leader?.HighWatermark ?? FollowerHighWatermark;

    public int FollowLeaderId { get; set; } = -1;

    public int FollowLeaderEpoch { get; set; } = -1;

    /// <summary>Identifies the fetch in flight; a response or timeout for another one is stale.</summary>
    public long FetchId { get; set; }

    public IsrChange? SentIsrChange { get; set; }

    public long SentIsrChangeAt { get; set; }

    /// <summary>The log below this offset was checked against the committed history while leading in the current epoch.</summary>
    public long VerifiedUpTo { get; set; }

    public List<DelayedAcksAll> Delayed { get; } = [];

    public void PersistCache()
    {
        if (Cache.Version != _persistedCacheVersion)
        {
            Log.EpochCheckpoint = LeaderEpochCheckpoint.Format(Cache.Entries);
            _persistedCacheVersion = Cache.Version;
        }
    }

    private static LeaderEpochCache RebuildCache(SimPartitionLog log)
    {
        var cache = new LeaderEpochCache();
        foreach (var batch in log.Batches)
        {
            cache.Assign(batch.Epoch, batch.BaseOffset);
        }
        return cache;
    }
}
