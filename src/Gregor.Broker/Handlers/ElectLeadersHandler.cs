using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ElectLeaders (API 43, v0-2): preferred (type 0; v0 has no type) or unclean (type 1) leader
/// elections by the active controller (<see cref="IController.ElectLeadersAsync"/>), with Kafka's
/// per-partition errors. Null partitions means every partition (then only those an election was
/// tried for are listed). v0 has no top-level error: a request-level error is given to every partition.
/// </summary>
public sealed class ElectLeadersHandler(IController controller) : ApiHandler<ElectLeadersRequest, ElectLeadersResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override async ValueTask<ElectLeadersResponse?> HandleAsync(RequestContext context, ElectLeadersRequest request, CancellationToken cancellationToken)
    {
        var type = context.ApiVersion >= 1 ? request.ElectionType : (sbyte)ElectionType.Preferred;
        List<TopicPartition>? partitions = request.TopicPartitions is null
            ? null
            : [.. request.TopicPartitions.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p)))];
        var outcome = type is 0 or 1
            ? await controller.ElectLeadersAsync((ElectionType)type, partitions, cancellationToken).ConfigureAwait(false)
            : ElectLeadersOutcome.Failed(ErrorCode.InvalidRequest, $"Unknown election type {type}");
        var response = new ElectLeadersResponse { ErrorCode = (short)outcome.Error };
        IEnumerable<ElectLeadersResult> results = outcome.Error == ErrorCode.None || context.ApiVersion >= 1 || partitions is null
            ? outcome.Partitions
            : partitions.Select(p => new ElectLeadersResult(p.Topic, p.Partition, outcome.Error, outcome.Message));
        foreach (var topic in results.GroupBy(r => r.Topic, StringComparer.Ordinal))
        {
            response.ReplicaElectionResults.Add(new ElectLeadersResponse.ReplicaElectionResult
            {
                Topic = topic.Key,
                PartitionResult = [.. topic.Select(r => new ElectLeadersResponse.PartitionResult
                {
                    PartitionId = r.Partition,
                    ErrorCode = (short)r.Error,
                    ErrorMessage = r.Message,
                })],
            });
        }
        return response;
    }
}
