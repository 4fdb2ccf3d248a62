using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// SyncGroup (key 14) v0-5: the leader sends the assignment it computed; every member waits for
/// its own. v5 carries protocol type and name, checked against the group's
/// (INCONSISTENT_GROUP_PROTOCOL). Stateless.
/// </summary>
public sealed class SyncGroupHandler(GroupCoordinator groups) : ApiHandler<SyncGroupRequest, SyncGroupResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var a in request.Assignments)
        {
            assignments[a.MemberId] = a.Assignment;
        }
        var result = await groups.SyncGroupAsync(
            new SyncGroupParameters(
                request.GroupId,
                request.GenerationId,
                request.MemberId,
                version >= 3 ? request.GroupInstanceId : null,
                version >= 5 ? request.ProtocolType : null,
                version >= 5 ? request.ProtocolName : null,
                assignments),
            cancellationToken).ConfigureAwait(false);
        return new SyncGroupResponse
        {
            ErrorCode = (short)result.Error,
            ProtocolType = version >= 5 ? result.ProtocolType : null,
            ProtocolName = version >= 5 ? result.ProtocolName : null,
            Assignment = result.Assignment,
        };
    }
}
