using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// One partition of a fetch response. <see cref="Records"/> is null when nothing was read; it is
/// owned by the enclosing <see cref="FetchResult"/> and released with it. A follower's fetch whose
/// last fetched epoch diverges from the leader's log gets <see cref="DivergingEpoch"/> (epoch ≥ 0 or
/// end offset ≥ 0 set) and no records.
/// </summary>
public readonly record struct FetchPartitionResult(
    FetchPartitionKey Key,
    ErrorCode Error,
    long HighWatermark,
    long LastStableOffset,
    long LogStartOffset,
    FetchedRecords? Records,
    int DivergingEpoch = -1,
    long DivergingEndOffset = -1)
{
    public bool HasDivergingEpoch => DivergingEpoch >= 0 || DivergingEndOffset >= 0;

    public int RecordBytes => Records?.Length ?? 0;

    public static FetchPartitionResult Failed(FetchPartitionKey key, ErrorCode error) => new(key, error, -1, -1, -1, null);
}
