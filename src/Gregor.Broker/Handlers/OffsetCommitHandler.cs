using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Handlers;

/// <summary>
/// OffsetCommit (key 8) v0-9: commits offsets for a group, fenced by generation and member id.
/// Partitions of topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION (as Kafka's request
/// handler does); v2-v4 carry a retention time (-1 = offsets.retention.minutes). v10 (topic ids
/// only) is not offered. Stateless.
/// </summary>
public sealed class OffsetCommitHandler(GroupCoordinator groups, IServiceProvider services) : ApiHandler<OffsetCommitRequest, OffsetCommitResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<OffsetCommitResponse?> HandleAsync(RequestContext context, OffsetCommitRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var image = services.GetService<IMetadataPublisher>()?.Current;
        var entries = new List<OffsetCommitEntry>();
        var positions = new List<(int Topic, int Partition)>();
        var response = new OffsetCommitResponse();
        for (var t = 0; t < request.Topics.Count; t++)
        {
            var topic = request.Topics[t];
            var responseTopic = new OffsetCommitResponse.OffsetCommitResponseTopic { Name = topic.Name };
            response.Topics.Add(responseTopic);
            for (var p = 0; p < topic.Partitions.Count; p++)
            {
                var partition = topic.Partitions[p];
                responseTopic.Partitions.Add(new OffsetCommitResponse.OffsetCommitResponsePartition { PartitionIndex = partition.PartitionIndex });
                if (image is not null && image.Partition(topic.Name, partition.PartitionIndex) is null)
                {
                    responseTopic.Partitions[p].ErrorCode = (short)ErrorCode.UnknownTopicOrPartition;
                    continue;
                }
                entries.Add(new OffsetCommitEntry(
                    topic.Name,
                    partition.PartitionIndex,
                    partition.CommittedOffset,
                    version >= 6 ? partition.CommittedLeaderEpoch : -1,
                    partition.CommittedMetadata));
                positions.Add((t, p));
            }
        }
        if (entries.Count == 0)
        {
            return response;
        }
        var parameters = new OffsetCommitParameters(
            request.GroupId,
            version >= 1 ? request.GenerationIdOrMemberEpoch : -1,
            version >= 1 ? request.MemberId : string.Empty,
            version >= 7 ? request.GroupInstanceId : null,
            version is >= 2 and <= 4 ? request.RetentionTimeMs : -1,
            entries);
        var errors = await groups.CommitOffsetsAsync(parameters, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < positions.Count; i++)
        {
            var (t, p) = positions[i];
            response.Topics[t].Partitions[p].ErrorCode = (short)errors[i];
        }
        return response;
    }
}
