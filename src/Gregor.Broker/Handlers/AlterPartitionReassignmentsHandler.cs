using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// AlterPartitionReassignments (API 45, v0-1): starts, changes or cancels (null replicas)
/// reassignments through the active controller (<see cref="IController.AlterPartitionReassignmentsAsync"/>),
/// answered once the change is committed; v1's AllowReplicationFactorChange false refuses a new
/// replication factor (KIP-860). A request-level error (NOT_CONTROLLER) comes without partitions.
/// </summary>
public sealed class AlterPartitionReassignmentsHandler(IController controller)
    : ApiHandler<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override async ValueTask<AlterPartitionReassignmentsResponse?> HandleAsync(
        RequestContext context, AlterPartitionReassignmentsRequest request, CancellationToken cancellationToken)
    {
        var allowFactorChange = context.ApiVersion < 1 || request.AllowReplicationFactorChange;
        List<PartitionReassignment> reassignments =
            [.. request.Topics.SelectMany(t => t.Partitions.Select(p => new PartitionReassignment(t.Name, p.PartitionIndex, p.Replicas)))];
        var outcome = await controller.AlterPartitionReassignmentsAsync(reassignments, allowFactorChange, cancellationToken).ConfigureAwait(false);
        var response = new AlterPartitionReassignmentsResponse
        {
            ErrorCode = (short)outcome.Error,
            ErrorMessage = outcome.Message,
            AllowReplicationFactorChange = allowFactorChange,
        };
        foreach (var topic in outcome.Partitions.GroupBy(r => r.Topic, StringComparer.Ordinal))
        {
            response.Responses.Add(new AlterPartitionReassignmentsResponse.ReassignableTopicResponse
            {
                Name = topic.Key,
                Partitions = [.. topic.Select(r => new AlterPartitionReassignmentsResponse.ReassignablePartitionResponse
                {
                    PartitionIndex = r.Partition,
                    ErrorCode = (short)r.Error,
                    ErrorMessage = r.Message,
                })],
            });
        }
        return response;
    }
}
