using Gregor.Cluster.Records;

namespace Gregor.Cluster.Raft;

/// <summary>
/// One batch of the Raft log as the core sees it: a v2 record batch whose partitionLeaderEpoch is
/// <see cref="Epoch"/>. Either data (<see cref="Records"/>, one offset each) or control
/// (<see cref="Control"/> set, <see cref="Records"/> empty, one offset). The production log stores
/// it as <see cref="MetadataBatch"/> bytes; the wire carries it the same way.
/// </summary>
public sealed record RaftLogBatch(long BaseOffset, int Epoch, long AppendTimestampMs,
    IReadOnlyList<MetadataRecord> Records, RaftControlRecord? Control = null)
{
    public bool IsControl => Control is not null;

    public int RecordCount => Control is not null ? 1 : Records.Count;

    public long LastOffset => BaseOffset + RecordCount - 1;

    public long NextOffset => BaseOffset + RecordCount;

    public RaftBatch ToCommitted() =>
        new(BaseOffset, LastOffset, Epoch, AppendTimestampMs, IsControl ? [] : Records, IsControl);

    /// <summary>A new batch with the same content at another base offset (a follower's copy is always at the same offset).</summary>
    public RaftLogBatch WithBaseOffset(long baseOffset) => this with { BaseOffset = baseOffset };
}
