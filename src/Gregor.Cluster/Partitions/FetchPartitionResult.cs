using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// One partition of a fetch response. <see cref="Records"/> is null when nothing was read; it is
/// owned by the enclosing <see cref="FetchResult"/> and released with it.
/// </summary>
public readonly record struct FetchPartitionResult(
    FetchPartitionKey Key,
    ErrorCode Error,
    long HighWatermark,
    long LastStableOffset,
    long LogStartOffset,
    FetchedRecords? Records)
{
    public int RecordBytes => Records?.Length ?? 0;

    public static FetchPartitionResult Failed(FetchPartitionKey key, ErrorCode error) => new(key, error, -1, -1, -1, null);
}
