using Gregor.Broker.Dispatch;
using Gregor.Broker.Security;
using Gregor.Broker.Shares;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>ShareGroupDescribe (key 77) v1: state, epochs, assignor and members of share groups (GROUP_ID_NOT_FOUND for others). Stateless.</summary>
public sealed class ShareGroupDescribeHandler(ShareGroupCoordinator shares) : ApiHandler<ShareGroupDescribeRequest, ShareGroupDescribeResponse>
{
    public override short MinVersion => 1;

    public override short MaxVersion => 1;

    protected override ValueTask<ShareGroupDescribeResponse?> HandleAsync(RequestContext context, ShareGroupDescribeRequest request, CancellationToken cancellationToken)
    {
        var response = new ShareGroupDescribeResponse();
        foreach (var group in shares.Describe(request.GroupIds))
        {
            var described = new ShareGroupDescribeResponse.DescribedGroup
            {
                ErrorCode = (short)group.Error,
                ErrorMessage = group.ErrorMessage,
                GroupId = group.GroupId,
                GroupState = group.State.ToString(),
                GroupEpoch = group.GroupEpoch,
                AssignmentEpoch = group.AssignmentEpoch,
                AssignorName = SimpleAssignor.Name,
                AuthorizedOperations = request.IncludeAuthorizedOperations ? AclOperations.Authorized(AclResourceType.Group) : int.MinValue,
            };
            foreach (var member in group.Members)
            {
                var assignment = new ShareGroupDescribeResponse.Assignment();
                foreach (var topic in member.Assignment.GroupBy(p => (p.TopicId, p.Topic)))
                {
                    assignment.TopicPartitions.Add(new ShareGroupDescribeResponse.TopicPartitions
                    {
                        TopicId = topic.Key.TopicId,
                        TopicName = topic.Key.Topic,
                        Partitions = [.. topic.Select(p => p.Partition)],
                    });
                }
                described.Members.Add(new ShareGroupDescribeResponse.Member
                {
                    MemberId = member.MemberId,
                    RackId = member.RackId,
                    MemberEpoch = member.MemberEpoch,
                    ClientId = member.ClientId,
                    ClientHost = member.ClientHost,
                    SubscribedTopicNames = [.. member.SubscribedTopicNames],
                    Assignment = assignment,
                });
            }
            response.Groups.Add(described);
        }
        return ValueTask.FromResult<ShareGroupDescribeResponse?>(response);
    }
}
