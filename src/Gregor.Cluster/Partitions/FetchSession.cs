using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// One KIP-227 incremental fetch session: the partitions a client fetches with the last fetch
/// position it sent and the high watermark / last stable offset / log start offset last sent for
/// each, so an incremental response only carries partitions that changed.
/// <para>Thread-safety: every access holds <see cref="SyncRoot"/> (a client sends one fetch per
/// session at a time, so it is uncontended).</para>
/// </summary>
internal sealed class FetchSession(int id, bool usesTopicIds, long createdMs)
{
    public Lock SyncRoot { get; } = new();

    public int Id { get; } = id;

    /// <summary>The epoch the next incremental request must carry.</summary>
    public int Epoch { get; set; } = 1;

    public bool UsesTopicIds { get; } = usesTopicIds;

    public long LastUsedMs { get; set; } = createdMs;

    /// <summary>In fetch order: a partition that returned records moves to the end (see <see cref="MoveToEnd"/>).</summary>
    public OrderedDictionary<FetchPartitionKey, CachedPartition> Partitions { get; } = [];

    public int Size
    {
        get
        {
            lock (SyncRoot)
            {
                return Partitions.Count;
            }
        }
    }

    public static int NextEpoch(int epoch) => epoch == int.MaxValue ? 1 : epoch + 1;

    /// <summary>Adds or updates a partition's fetch position, keeping what was last sent.</summary>
    public void Upsert(FetchPartitionSpec spec)
    {
        if (Partitions.TryGetValue(spec.Key, out var cached))
        {
            cached.Spec = spec;
        }
        else
        {
            Partitions[spec.Key] = new CachedPartition { Spec = spec };
        }
    }

    /// <summary>
    /// Moves a partition that just returned records behind the others, so under the response byte
    /// limit the next fetch serves the others first (Kafka does the same against starvation).
    /// </summary>
    public void MoveToEnd(FetchPartitionKey key)
    {
        if (Partitions.Remove(key, out var cached))
        {
            Partitions.Add(key, cached);
        }
    }

    /// <summary>
    /// Records what a response carries for a partition; true when an incremental response must
    /// include it (records, an error, or a changed high watermark / LSO / log start offset).
    /// </summary>
    public bool UpdateAndCheckChanged(in FetchPartitionResult result)
    {
        if (!Partitions.TryGetValue(result.Key, out var cached))
        {
            return true;
        }
        var changed = result.RecordBytes > 0 || result.Error != ErrorCode.None
            || cached.HighWatermark != result.HighWatermark
            || cached.LastStableOffset != result.LastStableOffset
            || cached.LogStartOffset != result.LogStartOffset;
        cached.HighWatermark = result.HighWatermark;
        cached.LastStableOffset = result.LastStableOffset;
        cached.LogStartOffset = result.LogStartOffset;
        return changed;
    }

    internal sealed class CachedPartition
    {
        public FetchPartitionSpec Spec { get; set; }
        public long HighWatermark { get; set; } = -1;
        public long LastStableOffset { get; set; } = -1;
        public long LogStartOffset { get; set; } = -1;
    }
}
