using Gregor.Broker.Dispatch;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// OffsetForLeaderEpoch (API 23), versions 0-4: the end offset of a leader epoch, from the log's
/// leader-epoch checkpoint (the current epoch ends at the log end; a later epoch is unknown, -1).
/// Consumers use it to detect log truncation after a leader change.
/// </summary>
public sealed class OffsetForLeaderEpochHandler(ReplicaManager replicaManager) : ApiHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>
{
    public override ApiKey ApiKey => ApiKey.OffsetForLeaderEpoch;

    public override short MinVersion => 0;

    public override short MaxVersion => 4;

    protected override ValueTask<OffsetForLeaderEpochResponse?> HandleAsync(RequestContext context, OffsetForLeaderEpochRequest request, CancellationToken cancellationToken)
    {
        var response = new OffsetForLeaderEpochResponse();
        foreach (var topic in request.Topics)
        {
            var topicResult = new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult { Topic = topic.Topic };
            foreach (var partition in topic.Partitions)
            {
                var (error, epoch, endOffset) = replicaManager.OffsetForLeaderEpoch(
                    new TopicPartition(topic.Topic, partition.Partition),
                    partition.CurrentLeaderEpoch,
                    partition.LeaderEpoch);
                topicResult.Partitions.Add(new OffsetForLeaderEpochResponse.EpochEndOffset
                {
                    Partition = partition.Partition,
                    ErrorCode = (short)error,
                    LeaderEpoch = epoch,
                    EndOffset = endOffset,
                });
            }
            response.Topics.Add(topicResult);
        }
        return ValueTask.FromResult<OffsetForLeaderEpochResponse?>(response);
    }
}
