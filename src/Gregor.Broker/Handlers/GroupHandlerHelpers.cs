using System.Net;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;

namespace Gregor.Broker.Handlers;

/// <summary>Small conversions shared by the group handlers. Stateless.</summary>
internal static class GroupHandlerHelpers
{
    /// <summary>The client host as Kafka reports it in DescribeGroups: "/" + address.</summary>
    public static string ClientHost(RequestContext context) =>
        context.RemoteEndPoint is IPEndPoint ip ? "/" + ip.Address : "/" + (context.RemoteEndPoint?.ToString() ?? "unknown");

    /// <summary>Kafka's state names as ListGroups and DescribeGroups spell them.</summary>
    public static string StateName(GroupState state) => state switch
    {
        GroupState.Empty => "Empty",
        GroupState.PreparingRebalance => "PreparingRebalance",
        GroupState.CompletingRebalance => "CompletingRebalance",
        GroupState.Stable => "Stable",
        _ => "Dead",
    };
}
