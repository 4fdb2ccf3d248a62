namespace Gregor.Cluster.Partitions;

/// <summary>
/// Offsets an append was given: the first and last offset of the batch (for an idempotent
/// duplicate, the offsets of the original append), the broker time stamped into the batch when
/// the topic uses LogAppendTime (-1 otherwise), and the log start offset after the append.
/// </summary>
public readonly record struct LogAppendResult(long FirstOffset, long LastOffset, long LogAppendTime, long LogStartOffset);
