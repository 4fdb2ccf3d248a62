using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>One partition of a ListOffsets answer: offset -1 / timestamp -1 when no record matches.</summary>
public readonly record struct ListOffsetResult(ErrorCode Error, long Offset, long Timestamp, int LeaderEpoch)
{
    public static ListOffsetResult Failed(ErrorCode error) => new(error, -1, -1, -1);
}
