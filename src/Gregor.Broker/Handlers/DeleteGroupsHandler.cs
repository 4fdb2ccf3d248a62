using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Broker.Shares;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DeleteGroups (key 42) v0-3: deletes empty groups and their offsets (NON_EMPTY_GROUP,
/// GROUP_ID_NOT_FOUND); a share group with its share-partition state. Stateless.
/// </summary>
public sealed class DeleteGroupsHandler(GroupCoordinator groups, ShareGroupCoordinator shares) : ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 3;

    protected override async ValueTask<DeleteGroupsResponse?> HandleAsync(RequestContext context, DeleteGroupsRequest request, CancellationToken cancellationToken)
    {
        var response = new DeleteGroupsResponse();
        foreach (var groupId in request.GroupsNames)
        {
            var error = shares.Delete(groupId) ?? await groups.DeleteGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
            response.Results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = groupId, ErrorCode = (short)error });
        }
        return response;
    }
}
