using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Broker.Shares;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ListGroups (key 16) v0-5: every classic and share group on this coordinator; v4 filters by state
/// (KIP-518, case-insensitive), v5 by type ("classic", "share"). Share groups have protocol type
/// "share", as in Kafka. Stateless.
/// </summary>
public sealed class ListGroupsHandler(GroupCoordinator groups, ShareGroupCoordinator shares) : ApiHandler<ListGroupsRequest, ListGroupsResponse>
{
    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<ListGroupsResponse?> HandleAsync(RequestContext context, ListGroupsRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var response = new ListGroupsResponse();
        var typed = version >= 5 && request.TypesFilter.Count > 0;
        var wantClassic = !typed || request.TypesFilter.Any(t => t.Equals("classic", StringComparison.OrdinalIgnoreCase));
        var wantShare = !typed || request.TypesFilter.Any(t => t.Equals("share", StringComparison.OrdinalIgnoreCase));
        var stateFiltered = version >= 4 && request.StatesFilter.Count > 0;
        if (wantShare)
        {
            foreach (var (groupId, state) in shares.List())
            {
                if (!stateFiltered || request.StatesFilter.Any(s => s.Equals(state.ToString(), StringComparison.OrdinalIgnoreCase)))
                {
                    response.Groups.Add(new ListGroupsResponse.ListedGroup
                    {
                        GroupId = groupId,
                        ProtocolType = "share",
                        GroupState = version >= 4 ? state.ToString() : string.Empty,
                        GroupType = version >= 5 ? "share" : string.Empty,
                    });
                }
            }
        }
        if (!wantClassic)
        {
            return response;
        }
        HashSet<GroupState>? states = null;
        if (stateFiltered)
        {
            states = [];
            foreach (var name in request.StatesFilter)
            {
                if (Enum.TryParse<GroupState>(name, ignoreCase: true, out var state))
                {
                    states.Add(state);
                }
            }
            if (states.Count == 0)
            {
                return response;
            }
        }
        var (error, list) = await groups.ListGroupsAsync(states, cancellationToken).ConfigureAwait(false);
        response.ErrorCode = (short)error;
        foreach (var g in list)
        {
            response.Groups.Add(new ListGroupsResponse.ListedGroup
            {
                GroupId = g.GroupId,
                ProtocolType = g.ProtocolType,
                GroupState = version >= 4 ? GroupHandlerHelpers.StateName(g.State) : string.Empty,
                GroupType = version >= 5 ? "classic" : string.Empty,
            });
        }
        return response;
    }
}
