namespace Gregor.Broker.Groups;

/// <summary>One partition in an OffsetCommit request.</summary>
public sealed record OffsetCommitEntry(string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata);
