using Gregor.Broker.Dispatch;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ListOffsets (API 2), versions 0-11: earliest (-2), latest (-1), max timestamp (-3), earliest
/// local (-4), tiered lookups (-5, -6: none here), and by timestamp; isolation level (v2+) and
/// current leader epoch fencing (v4+). v0 answers with one old-style offset.
/// </summary>
public sealed class ListOffsetsHandler(ReplicaManager replicaManager) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListOffsets;

    public override short MinVersion => 0;

    public override short MaxVersion => 11;

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request, CancellationToken cancellationToken)
    {
        var isolation = request.IsolationLevel == 1 ? (byte)1 : (byte)0;
        var response = new ListOffsetsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                var result = replicaManager.ListOffset(
                    new TopicPartition(topic.Name, partition.PartitionIndex),
                    partition.Timestamp,
                    isolation,
                    partition.CurrentLeaderEpoch);
                var partitionResponse = new ListOffsetsResponse.ListOffsetsPartitionResponse
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)result.Error,
                };
                // Each field only where the version carries it (the writer rejects the others).
                if (context.ApiVersion == 0)
                {
                    if (result.Offset >= 0)
                    {
                        partitionResponse.OldStyleOffsets.Add(result.Offset);
                    }
                }
                else
                {
                    partitionResponse.Offset = result.Offset;
                    partitionResponse.Timestamp = result.Timestamp;
                    if (context.ApiVersion >= 4)
                    {
                        partitionResponse.LeaderEpoch = result.LeaderEpoch;
                    }
                }
                topicResponse.Partitions.Add(partitionResponse);
            }
            response.Topics.Add(topicResponse);
        }
        return ValueTask.FromResult<ListOffsetsResponse?>(response);
    }
}
