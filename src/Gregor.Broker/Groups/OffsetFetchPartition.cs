namespace Gregor.Broker.Groups;

/// <summary>One partition of an OffsetFetch answer; <see cref="Offset"/> is null when nothing is committed (offset -1).</summary>
public sealed record OffsetFetchPartition(string Topic, int Partition, CommittedOffset? Offset);
