namespace Gregor.Broker.Groups;

/// <summary>A group as ListGroups shows it.</summary>
public sealed record GroupSummary(string GroupId, string ProtocolType, GroupState State);
