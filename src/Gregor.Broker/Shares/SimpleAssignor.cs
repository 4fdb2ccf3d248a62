using Gregor.Cluster.Metadata;

namespace Gregor.Broker.Shares;

/// <summary>
/// Kafka's server-side <c>simple</c> share assignor: per topic, the subscribed members (ordered by
/// id) share its partitions. With no more members than partitions each partition goes to one member
/// (round robin); with more members, each member gets one partition and partitions are shared, so
/// every member has work and every partition is consumed. Stateless.
/// </summary>
public static class SimpleAssignor
{
    public const string Name = "simple";

    public static Dictionary<string, List<TopicIdPartition>> Assign(IReadOnlyCollection<ShareGroupMember> members, MetadataImage image)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(image);
        var result = members.ToDictionary(m => m.MemberId, _ => new List<TopicIdPartition>(), StringComparer.Ordinal);
        var topics = members.SelectMany(m => m.SubscribedTopicNames).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in topics)
        {
            if (image.Topic(name) is not { IsInternal: false } topic || topic.Partitions.Count == 0)
            {
                continue;
            }
            var subscribers = members.Where(m => m.SubscribedTopicNames.Contains(name, StringComparer.Ordinal))
                .Select(m => m.MemberId).Order(StringComparer.Ordinal).ToList();
            var partitions = topic.Partitions.Keys.Order().ToList();
            if (subscribers.Count <= partitions.Count)
            {
                for (var i = 0; i < partitions.Count; i++)
                {
                    result[subscribers[i % subscribers.Count]].Add(new TopicIdPartition(topic.TopicId, name, partitions[i]));
                }
            }
            else
            {
                for (var i = 0; i < subscribers.Count; i++)
                {
                    result[subscribers[i]].Add(new TopicIdPartition(topic.TopicId, name, partitions[i % partitions.Count]));
                }
            }
        }
        foreach (var list in result.Values)
        {
            list.Sort((a, b) => a.Topic == b.Topic ? a.Partition.CompareTo(b.Partition) : string.CompareOrdinal(a.Topic, b.Topic));
        }
        return result;
    }
}
