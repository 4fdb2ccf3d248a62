namespace Gregor.Broker.Groups;

/// <summary>A member as DescribeGroups shows it; metadata and assignment are empty unless the group is Stable.</summary>
public sealed record GroupMemberDescription(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    byte[] Metadata,
    byte[] Assignment);
