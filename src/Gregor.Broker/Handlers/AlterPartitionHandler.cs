using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// AlterPartition (API 56, v2-3; controller listener): a partition leader's ISR changes, checked
/// and committed by the active controller (<see cref="IController.AlterPartitionAsync"/>; a node
/// that is not the active controller forwards it). v3 carries each new member's broker epoch
/// (KIP-903); v2's plain ids skip that check, as in Kafka. Topics are named by id (v2+).
/// </summary>
public sealed class AlterPartitionHandler(IController controller) : ApiHandler<AlterPartitionRequest, AlterPartitionResponse>
{
    public override short MinVersion => 2;
    public override short MaxVersion => 3;

    protected override async ValueTask<AlterPartitionResponse?> HandleAsync(RequestContext context, AlterPartitionRequest request, CancellationToken cancellationToken)
    {
        var items = new List<AlterPartitionItem>();
        foreach (var topic in request.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                List<IsrMember> isr = context.ApiVersion >= 3
                    ? [.. partition.NewIsrWithEpochs.Select(b => new IsrMember(b.BrokerId, b.BrokerEpoch))]
                    : [.. partition.NewIsr.Select(id => new IsrMember(id))];
                if (partition.LeaderRecoveryState is not (0 or 1))
                {
                    return new AlterPartitionResponse { ErrorCode = (short)ErrorCode.InvalidRequest };
                }
                items.Add(new AlterPartitionItem(topic.TopicId, partition.PartitionIndex, partition.LeaderEpoch, partition.PartitionEpoch, isr,
                    (LeaderRecoveryState)partition.LeaderRecoveryState));
            }
        }
        var outcome = await controller.AlterPartitionAsync(request.BrokerId, request.BrokerEpoch, items, cancellationToken).ConfigureAwait(false);
        var response = new AlterPartitionResponse { ErrorCode = (short)outcome.Error };
        if (outcome.Error != ErrorCode.None)
        {
            return response;
        }
        var index = 0;
        foreach (var topic in request.Topics)
        {
            var answered = new AlterPartitionResponse.TopicData { TopicId = topic.TopicId };
            foreach (var _ in topic.Partitions)
            {
                var result = outcome.Partitions[index++];
                answered.Partitions.Add(new AlterPartitionResponse.PartitionData
                {
                    PartitionIndex = result.Partition,
                    ErrorCode = (short)result.Error,
                    LeaderId = result.LeaderId,
                    LeaderEpoch = result.LeaderEpoch,
                    Isr = [.. result.Isr],
                    LeaderRecoveryState = (sbyte)result.LeaderRecoveryState,
                    PartitionEpoch = result.PartitionEpoch,
                });
            }
            response.Topics.Add(answered);
        }
        return response;
    }
}
