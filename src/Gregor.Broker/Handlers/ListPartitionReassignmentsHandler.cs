using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ListPartitionReassignments (API 46, v0): the ongoing reassignments, from the active
/// controller's committed state (<see cref="IController.ListPartitionReassignmentsAsync"/>); null
/// topics lists all. Partitions that do not exist or are not reassigning are left out, as Kafka does.
/// </summary>
public sealed class ListPartitionReassignmentsHandler(IController controller)
    : ApiHandler<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override async ValueTask<ListPartitionReassignmentsResponse?> HandleAsync(
        RequestContext context, ListPartitionReassignmentsRequest request, CancellationToken cancellationToken)
    {
        List<TopicPartition>? partitions = request.Topics is null
            ? null
            : [.. request.Topics.SelectMany(t => t.PartitionIndexes.Select(p => new TopicPartition(t.Name, p)))];
        var outcome = await controller.ListPartitionReassignmentsAsync(partitions, cancellationToken).ConfigureAwait(false);
        var response = new ListPartitionReassignmentsResponse { ErrorCode = (short)outcome.Error, ErrorMessage = outcome.Message };
        foreach (var topic in outcome.Reassignments.GroupBy(r => r.Topic, StringComparer.Ordinal))
        {
            response.Topics.Add(new ListPartitionReassignmentsResponse.OngoingTopicReassignment
            {
                Name = topic.Key,
                Partitions = [.. topic.Select(r => new ListPartitionReassignmentsResponse.OngoingPartitionReassignment
                {
                    PartitionIndex = r.Partition,
                    Replicas = [.. r.Replicas],
                    AddingReplicas = [.. r.AddingReplicas],
                    RemovingReplicas = [.. r.RemovingReplicas],
                })],
            });
        }
        return response;
    }
}
