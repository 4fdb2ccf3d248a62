using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Broker.Security;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeGroups (key 15) v0-6: state, protocol and members (metadata and assignment only when
/// Stable, as Kafka). An unknown group is "Dead" with no error before v6 and GROUP_ID_NOT_FOUND
/// from v6. Authorized operations (v3+) when asked, from <see cref="AclOperations"/>. Stateless.
/// </summary>
public sealed class DescribeGroupsHandler(GroupCoordinator groups) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 6;

    protected override async ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var response = new DescribeGroupsResponse();
        foreach (var groupId in request.Groups)
        {
            var d = await groups.DescribeGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
            var error = d.Error;
            if (error == ErrorCode.None && !d.Exists && version >= 6)
            {
                error = ErrorCode.GroupIdNotFound;
            }
            var described = new DescribeGroupsResponse.DescribedGroup
            {
                ErrorCode = (short)error,
                ErrorMessage = version >= 6 && error == ErrorCode.GroupIdNotFound ? $"Group {groupId} not found." : null,
                GroupId = groupId,
                GroupState = GroupHandlerHelpers.StateName(d.State),
                ProtocolType = d.ProtocolType,
                ProtocolData = d.Protocol,
            };
            // As Kafka: v3+, when asked, and only for a group described without error.
            if (version >= 3 && request.IncludeAuthorizedOperations && error == ErrorCode.None)
            {
                described.AuthorizedOperations = AclOperations.Authorized(AclResourceType.Group);
            }
            foreach (var m in d.Members)
            {
                described.Members.Add(new DescribeGroupsResponse.DescribedGroupMember
                {
                    MemberId = m.MemberId,
                    GroupInstanceId = version >= 4 ? m.GroupInstanceId : null,
                    ClientId = m.ClientId,
                    ClientHost = m.ClientHost,
                    MemberMetadata = m.Metadata,
                    MemberAssignment = m.Assignment,
                });
            }
            response.Groups.Add(described);
        }
        return response;
    }
}
