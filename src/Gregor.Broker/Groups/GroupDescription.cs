using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>A group as DescribeGroups shows it. <see cref="Exists"/> is false for an unknown group (state Dead).</summary>
public sealed record GroupDescription(
    ErrorCode Error,
    string GroupId,
    bool Exists,
    GroupState State,
    string ProtocolType,
    string Protocol,
    IReadOnlyList<GroupMemberDescription> Members);
