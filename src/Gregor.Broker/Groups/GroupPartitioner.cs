namespace Gregor.Broker.Groups;

/// <summary>
/// Maps a group id to its <c>__consumer_offsets</c> partition exactly as Kafka does:
/// <c>Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions</c>, with Java's
/// String.hashCode over UTF-16 code units and Kafka's abs (MIN_VALUE maps to 0). Keeping the
/// same mapping means a Kafka tool reading Gregor's topic finds each group where it expects.
/// </summary>
public static class GroupPartitioner
{
    public static int JavaStringHashCode(string value)
    {
        var hash = 0;
        foreach (var c in value)
        {
            hash = unchecked((31 * hash) + c);
        }
        return hash;
    }

    public static int PartitionFor(string groupId, int numPartitions)
    {
        var hash = JavaStringHashCode(groupId);
        var abs = hash == int.MinValue ? 0 : Math.Abs(hash);
        return abs % numPartitions;
    }
}
