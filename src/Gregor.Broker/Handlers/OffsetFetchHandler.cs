using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// OffsetFetch (key 9) v0-9: committed offsets of one group (v0-7) or several (v8+, KIP-709);
/// null topics (v2+) means every committed partition. require_stable (v7+) needs no wait here:
/// the classic coordinator has no pending transactional commits. An uncommitted partition
/// answers offset -1. v10 (topic ids only) is not offered. Stateless.
/// </summary>
public sealed class OffsetFetchHandler(GroupCoordinator groups) : ApiHandler<OffsetFetchRequest, OffsetFetchResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<OffsetFetchResponse?> HandleAsync(RequestContext context, OffsetFetchRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var response = new OffsetFetchResponse();
        if (version >= 8)
        {
            foreach (var group in request.Groups)
            {
                var partitions = group.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartition(t.Name, p))).ToList();
                var result = await groups.FetchOffsetsAsync(group.GroupId, partitions, cancellationToken).ConfigureAwait(false);
                var responseGroup = new OffsetFetchResponse.OffsetFetchResponseGroup { GroupId = group.GroupId, ErrorCode = (short)result.Error };
                foreach (var byTopic in result.Partitions.GroupBy(p => p.Topic))
                {
                    responseGroup.Topics.Add(new OffsetFetchResponse.OffsetFetchResponseTopics
                    {
                        Name = byTopic.Key,
                        Partitions = [.. byTopic.Select(p => new OffsetFetchResponse.OffsetFetchResponsePartitions
                        {
                            PartitionIndex = p.Partition,
                            CommittedOffset = p.Offset?.Offset ?? -1,
                            CommittedLeaderEpoch = p.Offset?.LeaderEpoch ?? -1,
                            Metadata = p.Offset?.Metadata ?? string.Empty,
                        })],
                    });
                }
                response.Groups.Add(responseGroup);
            }
            return response;
        }

        var requested = request.Topics?.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartition(t.Name, p))).ToList();
        if (version < 2 && requested is null)
        {
            requested = [];
        }
        var single = await groups.FetchOffsetsAsync(request.GroupId, requested, cancellationToken).ConfigureAwait(false);
        if (version >= 2)
        {
            response.ErrorCode = (short)single.Error;
        }
        // v0-1 have no group-level error: it goes on every partition.
        var partitionError = version < 2 ? single.Error : ErrorCode.None;
        var rows = single.Error != ErrorCode.None && requested is not null
            ? requested.Select(tp => new OffsetFetchPartition(tp.Topic, tp.Partition, null)).ToList()
            : single.Partitions;
        foreach (var byTopic in rows.GroupBy(p => p.Topic))
        {
            response.Topics.Add(new OffsetFetchResponse.OffsetFetchResponseTopic
            {
                Name = byTopic.Key,
                Partitions = [.. byTopic.Select(p => new OffsetFetchResponse.OffsetFetchResponsePartition
                {
                    PartitionIndex = p.Partition,
                    CommittedOffset = p.Offset?.Offset ?? -1,
                    CommittedLeaderEpoch = version >= 5 ? p.Offset?.LeaderEpoch ?? -1 : -1,
                    Metadata = p.Offset?.Metadata ?? string.Empty,
                    ErrorCode = (short)partitionError,
                })],
            });
        }
        return response;
    }
}
