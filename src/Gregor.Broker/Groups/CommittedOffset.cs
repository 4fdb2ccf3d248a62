namespace Gregor.Broker.Groups;

/// <summary>
/// A committed offset as kept in memory and in <c>__consumer_offsets</c>.
/// <see cref="ExpireTimestampMs"/> is -1 unless an old client (OffsetCommit v2-v4) set a retention time.
/// </summary>
public sealed record CommittedOffset(long Offset, int LeaderEpoch, string Metadata, long CommitTimestampMs, long ExpireTimestampMs = -1);
