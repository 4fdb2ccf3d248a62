using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// The node's <see cref="IRaftClient"/> as the metadata loader sees it: every call goes to the
/// replica unchanged, and each snapshot the loader writes is counted in
/// <see cref="MetadataSnapshotStats"/>. <paramref name="corruptSnapshot"/> (canaries only) rewrites
/// the snapshot's records on the way, as a buggy image → records conversion would.
/// </summary>
public sealed class SnapshottingRaftClient(
    SimNode node,
    IRaftClient inner,
    MetadataSnapshotStats stats,
    Func<IReadOnlyList<MetadataRecord>, IReadOnlyList<MetadataRecord>>? corruptSnapshot = null) : IRaftClient
{
    public int NodeId => inner.NodeId;

    public LeaderAndEpoch LeaderAndEpoch => inner.LeaderAndEpoch;

    public long HighWatermark => inner.HighWatermark;

    public void Register(IRaftListener listener) => inner.Register(listener);

    public long ScheduleAtomicAppend(int epoch, IReadOnlyList<MetadataRecord> records) => inner.ScheduleAtomicAppend(epoch, records);

    public void CreateSnapshot(OffsetAndEpoch lastContained, long lastContainedLogTimeMs, IReadOnlyList<MetadataRecord> records)
    {
        var before = node.Log.LatestSnapshotId;
        inner.CreateSnapshot(lastContained, lastContainedLogTimeMs, corruptSnapshot is null ? records : corruptSnapshot(records));
        if (node.Log.LatestSnapshotId != before)
        {
            stats.Written++;
        }
    }

    public void Resign(int epoch) => inner.Resign(epoch);
}
