using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The outcome of appending one partition's records (the fields of a produce response partition).
/// <see cref="RecordErrors"/> names the refused records when a check looked at each record (null
/// when the error concerns the batch as a whole).
/// </summary>
public readonly record struct ProducePartitionResult(
    ErrorCode Error,
    long BaseOffset,
    long LogAppendTime,
    long LogStartOffset,
    string? ErrorMessage = null,
    IReadOnlyList<ProduceRecordError>? RecordErrors = null)
{
    public static ProducePartitionResult Failed(ErrorCode error, string? message = null, IReadOnlyList<ProduceRecordError>? recordErrors = null) =>
        new(error, -1, -1, -1, message, recordErrors);
}
