using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Broker.Shares;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// JoinGroup (key 11) v0-9: hands the join to the <see cref="GroupCoordinator"/> and waits for the
/// rebalance to complete (the response is held up to the rebalance timeout). v0 has no rebalance
/// timeout (the session timeout is used, as Kafka does); v4+ must join twice (KIP-394); v9 can be
/// told to skip the assignment. A share group's id is INCONSISTENT_GROUP_PROTOCOL (one group-id
/// namespace). Stateless.
/// </summary>
public sealed class JoinGroupHandler(GroupCoordinator groups, ShareGroupCoordinator shares) : ApiHandler<JoinGroupRequest, JoinGroupResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 9;

    protected override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext context, JoinGroupRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        if (shares.IsShareGroup(request.GroupId))
        {
            return new JoinGroupResponse
            {
                ErrorCode = (short)ErrorCode.InconsistentGroupProtocol,
                GenerationId = -1,
                ProtocolName = version >= 7 ? null : string.Empty,
                MemberId = request.MemberId,
            };
        }
        var parameters = new JoinGroupParameters(
            request.GroupId,
            request.MemberId,
            version >= 5 ? request.GroupInstanceId : null,
            request.ProtocolType,
            [.. request.Protocols.Select(p => new GroupProtocol(p.Name, p.Metadata))],
            request.SessionTimeoutMs,
            version >= 1 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs,
            context.ClientId ?? string.Empty,
            GroupHandlerHelpers.ClientHost(context),
            RequireKnownMemberId: version >= 4,
            SupportsSkipAssignment: version >= 9);
        var result = await groups.JoinGroupAsync(parameters, cancellationToken).ConfigureAwait(false);
        return new JoinGroupResponse
        {
            ErrorCode = (short)result.Error,
            GenerationId = result.GenerationId,
            ProtocolType = version >= 7 ? result.ProtocolType : null,
            // Before v7 the protocol name is not nullable.
            ProtocolName = version >= 7 ? result.ProtocolName : result.ProtocolName ?? string.Empty,
            Leader = result.LeaderId,
            SkipAssignment = version >= 9 && result.SkipAssignment,
            MemberId = result.MemberId,
            Members = [.. result.Members.Select(m => new JoinGroupResponse.JoinGroupResponseMember
            {
                MemberId = m.MemberId,
                GroupInstanceId = version >= 5 ? m.GroupInstanceId : null,
                Metadata = m.Metadata,
            })],
        };
    }
}
