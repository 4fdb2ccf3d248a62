using Gregor.Broker.Dispatch;
using Gregor.Broker.Shares;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ShareGroupHeartbeat (key 76) v1 (v0, KIP-932's early access, was removed from Kafka and is never
/// offered): joins (epoch 0), heartbeats and leaves (−1) a share group on the
/// <see cref="ShareGroupCoordinator"/>, returning the member's epoch and, when it changed, its
/// assignment. Stateless.
/// </summary>
public sealed class ShareGroupHeartbeatHandler(ShareGroupCoordinator shares) : ApiHandler<ShareGroupHeartbeatRequest, ShareGroupHeartbeatResponse>
{
    public override short MinVersion => 1;

    public override short MaxVersion => 1;

    protected override async ValueTask<ShareGroupHeartbeatResponse?> HandleAsync(RequestContext context, ShareGroupHeartbeatRequest request, CancellationToken cancellationToken)
    {
        var result = await shares.HeartbeatAsync(
            request.GroupId, request.MemberId, request.MemberEpoch, request.RackId, request.SubscribedTopicNames,
            context.ClientId ?? string.Empty, GroupHandlerHelpers.ClientHost(context), cancellationToken).ConfigureAwait(false);
        var response = new ShareGroupHeartbeatResponse
        {
            ErrorCode = (short)result.Error,
            ErrorMessage = result.ErrorMessage,
            MemberId = result.MemberId,
            MemberEpoch = result.MemberEpoch,
            HeartbeatIntervalMs = result.HeartbeatIntervalMs,
        };
        if (result.Assignment is { } assignment)
        {
            var data = new ShareGroupHeartbeatResponse.AssignmentData();
            foreach (var topic in assignment.GroupBy(p => p.TopicId))
            {
                data.TopicPartitions.Add(new ShareGroupHeartbeatResponse.TopicPartitions { TopicId = topic.Key, Partitions = [.. topic.Select(p => p.Partition)] });
            }
            response.Assignment = data;
        }
        return response;
    }
}
