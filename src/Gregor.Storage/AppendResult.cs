namespace Gregor.Storage;

/// <summary>
/// What an append assigned. <paramref name="LogAppendTime"/> is -1 for CreateTime topics.
/// <paramref name="Duplicate"/> is true when an idempotent producer retried a batch the log
/// already holds: nothing was written and the offsets are those of the original append.
/// </summary>
public sealed record AppendResult(long FirstOffset, long LastOffset, long LogAppendTime, long LogStartOffset, bool Duplicate);
