using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// OffsetDelete (key 47) v0: deletes committed offsets of partitions the group does not consume
/// (GROUP_SUBSCRIBED_TO_TOPIC for subscribed topics of a live consumer group). Stateless.
/// </summary>
public sealed class OffsetDeleteHandler(GroupCoordinator groups) : ApiHandler<OffsetDeleteRequest, OffsetDeleteResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 0;

    protected override async ValueTask<OffsetDeleteResponse?> HandleAsync(RequestContext context, OffsetDeleteRequest request, CancellationToken cancellationToken)
    {
        var partitions = request.Topics.SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Name, p.PartitionIndex))).ToList();
        var result = await groups.DeleteOffsetsAsync(request.GroupId, partitions, cancellationToken).ConfigureAwait(false);
        var response = new OffsetDeleteResponse { ErrorCode = (short)result.Error };
        if (result.Error != ErrorCode.None)
        {
            return response;
        }
        var i = 0;
        foreach (var topic in request.Topics)
        {
            var t = new OffsetDeleteResponse.OffsetDeleteResponseTopic { Name = topic.Name };
            foreach (var p in topic.Partitions)
            {
                t.Partitions.Add(new OffsetDeleteResponse.OffsetDeleteResponsePartition { PartitionIndex = p.PartitionIndex, ErrorCode = (short)result.PartitionErrors[i++] });
            }
            response.Topics.Add(t);
        }
        return response;
    }
}
