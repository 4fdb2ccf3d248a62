namespace Gregor.Cluster.Partitions;

/// <summary>An offset found by timestamp, with that record's timestamp and leader epoch (-1 when unknown).</summary>
public readonly record struct LogOffsetAndTimestamp(long Offset, long Timestamp, int LeaderEpoch);
