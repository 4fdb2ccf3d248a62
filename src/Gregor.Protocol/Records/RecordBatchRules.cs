namespace Gregor.Protocol.Records;

/// <summary>
/// What <see cref="RecordBatchValidator"/> enforces beyond the batch's own consistency (length,
/// magic, CRC32C).
/// </summary>
/// <param name="MaxBatchBytes">max.message.bytes: the largest whole batch accepted.</param>
/// <param name="AsLeader">
/// A leader append: the record count must equal lastOffsetDelta + 1 and be positive. A follower
/// (or compacted) batch may have gaps: only count ≤ lastOffsetDelta + 1 is required.
/// </param>
/// <param name="AllowControl">False for client produce: control batches are written by the broker only.</param>
/// <param name="TimestampNowMs">
/// The broker clock for the CreateTime bounds, or null for no timestamp check (LogAppendTime
/// topics, replicated batches).
/// </param>
/// <param name="TimestampBeforeMaxMs">message.timestamp.before.max.ms.</param>
/// <param name="TimestampAfterMaxMs">message.timestamp.after.max.ms.</param>
public readonly record struct RecordBatchRules(
    int MaxBatchBytes,
    bool AsLeader,
    bool AllowControl = true,
    long? TimestampNowMs = null,
    long TimestampBeforeMaxMs = long.MaxValue,
    long TimestampAfterMaxMs = long.MaxValue);
