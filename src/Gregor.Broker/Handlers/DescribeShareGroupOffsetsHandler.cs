using Gregor.Broker.Dispatch;
using Gregor.Broker.Shares;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeShareGroupOffsets (key 90) v0-1: each share partition's start offset (SPSO) and, v1, its
/// lag (records from SPSO to the high watermark not yet Acknowledged or Archived, KIP-1226). Null
/// topics = every partition the group has state for; a partition never consumed has start offset −1.
/// An unknown or classic group is GROUP_ID_NOT_FOUND. Stateless.
/// </summary>
public sealed class DescribeShareGroupOffsetsHandler(ShareGroupCoordinator shares, ReplicaManager replicas, IMetadataPublisher metadata)
    : ApiHandler<DescribeShareGroupOffsetsRequest, DescribeShareGroupOffsetsResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 1;

    protected override ValueTask<DescribeShareGroupOffsetsResponse?> HandleAsync(RequestContext context, DescribeShareGroupOffsetsRequest request, CancellationToken cancellationToken)
    {
        var image = metadata.Current;
        var response = new DescribeShareGroupOffsetsResponse();
        foreach (var group in request.Groups)
        {
            var described = new DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseGroup { GroupId = group.GroupId };
            response.Groups.Add(described);
            if (!shares.IsShareGroup(group.GroupId))
            {
                described.ErrorCode = (short)ErrorCode.GroupIdNotFound;
                described.ErrorMessage = $"Group {group.GroupId} not found.";
                continue;
            }
            var wanted = group.Topics is null
                ? shares.PartitionsOf(group.GroupId).Select(p => p.TopicPartition).ToList()
                : [.. group.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.TopicName, p)))];
            foreach (var byTopic in wanted.GroupBy(p => p.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var topic = new DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseTopic
                {
                    TopicName = byTopic.Key,
                    TopicId = image.Topic(byTopic.Key)?.TopicId ?? Guid.Empty,
                };
                described.Topics.Add(topic);
                foreach (var topicPartition in byTopic.OrderBy(p => p.Partition))
                {
                    topic.Partitions.Add(Describe(group.GroupId, topicPartition));
                }
            }
        }
        return ValueTask.FromResult<DescribeShareGroupOffsetsResponse?>(response);
    }

    private DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponsePartition Describe(string groupId, TopicPartition topicPartition)
    {
        var result = new DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponsePartition { PartitionIndex = topicPartition.Partition, StartOffset = -1, LeaderEpoch = -1 };
        if (!replicas.TryGetPartition(topicPartition, out var log))
        {
            result.ErrorCode = (short)replicas.PartitionError(topicPartition);
            return result;
        }
        result.LeaderEpoch = log.LeaderEpoch;
        if (shares.TryGetPartition(groupId, topicPartition) is { } share)
        {
            var start = share.StartOffset;
            result.StartOffset = start;
            result.Lag = Math.Max(0, log.HighWatermark - start - share.CompletedInWindowCount);
        }
        return result;
    }
}
