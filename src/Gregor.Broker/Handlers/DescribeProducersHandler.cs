using Gregor.Broker.Dispatch;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeProducers (API 61), version 0: the idempotent producers each partition's log holds
/// state for. No transactions yet, so coordinator epoch and transaction start offset are -1.
/// </summary>
public sealed class DescribeProducersHandler(ReplicaManager replicaManager) : ApiHandler<DescribeProducersRequest, DescribeProducersResponse>
{
    public override ApiKey ApiKey => ApiKey.DescribeProducers;

    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override ValueTask<DescribeProducersResponse?> HandleAsync(RequestContext context, DescribeProducersRequest request, CancellationToken cancellationToken)
    {
        var response = new DescribeProducersResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new DescribeProducersResponse.TopicResponse { Name = topic.Name };
            foreach (var index in topic.PartitionIndexes)
            {
                var (error, producers) = replicaManager.DescribeProducers(new TopicPartition(topic.Name, index));
                var partitionResponse = new DescribeProducersResponse.PartitionResponse { PartitionIndex = index, ErrorCode = (short)error };
                foreach (var producer in producers)
                {
                    partitionResponse.ActiveProducers.Add(new DescribeProducersResponse.ProducerState
                    {
                        ProducerId = producer.ProducerId,
                        ProducerEpoch = producer.ProducerEpoch,
                        LastSequence = producer.LastSequence,
                        LastTimestamp = producer.LastTimestamp,
                        CoordinatorEpoch = -1,
                        CurrentTxnStartOffset = -1,
                    });
                }
                topicResponse.Partitions.Add(partitionResponse);
            }
            response.Topics.Add(topicResponse);
        }
        return ValueTask.FromResult<DescribeProducersResponse?>(response);
    }
}
