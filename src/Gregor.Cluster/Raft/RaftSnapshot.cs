using Gregor.Cluster.Records;

namespace Gregor.Cluster.Raft;

/// <summary>
/// A snapshot of committed state: it replaces every batch up to and including
/// <see cref="LastContained"/> (the last offset the snapshot covers and that batch's epoch).
/// Kafka names snapshots by their exclusive end offset (<see cref="SnapshotId"/>, the id used in
/// Fetch/FetchSnapshot and in the <c>.checkpoint</c> file name).
/// </summary>
public sealed record RaftSnapshot(OffsetAndEpoch LastContained, long LastContainedLogTimeMs,
    IReadOnlyList<MetadataRecord> Records)
{
    /// <summary>Kafka's snapshot id: (end offset = last contained + 1, epoch).</summary>
    public OffsetAndEpoch SnapshotId => new(LastContained.Offset + 1, LastContained.Epoch);
}
