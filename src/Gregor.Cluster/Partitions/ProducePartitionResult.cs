using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>The outcome of appending one partition's records (the fields of a produce response partition).</summary>
public readonly record struct ProducePartitionResult(
    ErrorCode Error,
    long BaseOffset,
    long LogAppendTime,
    long LogStartOffset,
    string? ErrorMessage = null)
{
    public static ProducePartitionResult Failed(ErrorCode error, string? message = null) => new(error, -1, -1, -1, message);
}
