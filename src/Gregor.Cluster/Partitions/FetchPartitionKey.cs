namespace Gregor.Cluster.Partitions;

/// <summary>
/// How a fetch names a partition: by topic id (Fetch v13+, <see cref="Topic"/> resolved from the
/// metadata image, null when the id is unknown) or by name (older versions, id empty). Two keys
/// with a topic id are equal when id and partition are, whatever name was resolved, so a fetch
/// session forgets a partition even after its topic was deleted.
/// </summary>
public readonly record struct FetchPartitionKey(Guid TopicId, string? Topic, int Partition)
{
    public bool Equals(FetchPartitionKey other) =>
        Partition == other.Partition
        && TopicId == other.TopicId
        && (TopicId != Guid.Empty || string.Equals(Topic, other.Topic, StringComparison.Ordinal));

    public override int GetHashCode() =>
        TopicId != Guid.Empty
            ? HashCode.Combine(TopicId, Partition)
            : HashCode.Combine(Topic is null ? 0 : StringComparer.Ordinal.GetHashCode(Topic), Partition);
}
