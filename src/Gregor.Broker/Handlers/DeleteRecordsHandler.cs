using Gregor.Broker.Dispatch;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DeleteRecords (API 21), versions 0-2: advances each partition's log start offset (offset -1 =
/// the high watermark) and answers the new low watermark; OFFSET_OUT_OF_RANGE past the high
/// watermark. Single node: every replica is this one, so the answer is immediate.
/// </summary>
public sealed class DeleteRecordsHandler(ReplicaManager replicaManager) : ApiHandler<DeleteRecordsRequest, DeleteRecordsResponse>
{
    public override ApiKey ApiKey => ApiKey.DeleteRecords;

    public override short MinVersion => 0;

    public override short MaxVersion => 2;

    protected override ValueTask<DeleteRecordsResponse?> HandleAsync(RequestContext context, DeleteRecordsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteRecordsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new DeleteRecordsResponse.DeleteRecordsTopicResult { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                var (error, lowWatermark) = replicaManager.DeleteRecords(new TopicPartition(topic.Name, partition.PartitionIndex), partition.Offset);
                topicResult.Partitions.Add(new DeleteRecordsResponse.DeleteRecordsPartitionResult
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)error,
                    LowWatermark = lowWatermark,
                });
            }
            response.Topics.Add(topicResult);
        }
        return ValueTask.FromResult<DeleteRecordsResponse?>(response);
    }
}
