namespace Gregor.Broker.Groups;

/// <summary>
/// One committed partition of a group and how far behind it is: <see cref="EndOffset"/> is the
/// partition's high watermark (what a consumer can read up to) and <see cref="Lag"/> the records
/// between the committed offset and it; both null when this node does not host the partition.
/// </summary>
public sealed record PartitionLag(string Topic, int Partition, long CommittedOffset, long? EndOffset, long? Lag);
