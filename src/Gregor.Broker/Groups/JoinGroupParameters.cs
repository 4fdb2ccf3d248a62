namespace Gregor.Broker.Groups;

/// <summary>
/// A JoinGroup request as the coordinator needs it, independent of the wire version.
/// <see cref="RequireKnownMemberId"/> is true from JoinGroup v4 (KIP-394);
/// <see cref="SupportsSkipAssignment"/> from v9.
/// </summary>
public sealed record JoinGroupParameters(
    string GroupId,
    string MemberId,
    string? GroupInstanceId,
    string ProtocolType,
    IReadOnlyList<GroupProtocol> Protocols,
    int SessionTimeoutMs,
    int RebalanceTimeoutMs,
    string ClientId,
    string ClientHost,
    bool RequireKnownMemberId,
    bool SupportsSkipAssignment);
