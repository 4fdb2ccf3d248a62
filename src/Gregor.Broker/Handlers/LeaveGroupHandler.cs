using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// LeaveGroup (key 13) v0-5: v0-2 name one member id (its error is the top-level error);
/// v3+ batch members, static ones by group.instance.id (KIP-345). Stateless.
/// </summary>
public sealed class LeaveGroupHandler(GroupCoordinator groups) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request, CancellationToken cancellationToken)
    {
        if (context.ApiVersion < 3)
        {
            var single = await groups.LeaveGroupAsync(request.GroupId, [new LeaveGroupMember(request.MemberId, null)], cancellationToken).ConfigureAwait(false);
            var error = single.Error != 0 ? single.Error : single.MemberErrors[0];
            return new LeaveGroupResponse { ErrorCode = (short)error };
        }
        var members = request.Members.Select(m => new LeaveGroupMember(m.MemberId, m.GroupInstanceId)).ToList();
        var result = await groups.LeaveGroupAsync(request.GroupId, members, cancellationToken).ConfigureAwait(false);
        var response = new LeaveGroupResponse { ErrorCode = (short)result.Error };
        if (result.MemberErrors.Count == members.Count)
        {
            for (var i = 0; i < members.Count; i++)
            {
                response.Members.Add(new LeaveGroupResponse.MemberResponse
                {
                    MemberId = members[i].MemberId,
                    GroupInstanceId = members[i].GroupInstanceId,
                    ErrorCode = (short)result.MemberErrors[i],
                });
            }
        }
        return response;
    }
}
