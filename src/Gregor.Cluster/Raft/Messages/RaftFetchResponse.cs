using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft.Messages;

/// <summary>
/// The leader's answer to a Fetch: <see cref="Batches"/> from the fetch offset, or — when the
/// fetcher's log diverges — <see cref="DivergingEpoch"/> (exclusive end offset and epoch to
/// truncate to, Kafka's DivergingEpoch), or — when the fetch offset is below the log start —
/// <see cref="SnapshotId"/> (exclusive end offset and epoch) to download with FetchSnapshot.
/// </summary>
public sealed record RaftFetchResponse(ErrorCode Error, int LeaderId, int LeaderEpoch, long HighWatermark,
    long LogStartOffset, OffsetAndEpoch? DivergingEpoch, OffsetAndEpoch? SnapshotId,
    IReadOnlyList<RaftLogBatch> Batches) : RaftResponse(Error, LeaderId, LeaderEpoch);
