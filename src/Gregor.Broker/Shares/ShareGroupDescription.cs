using Gregor.Protocol.Errors;

namespace Gregor.Broker.Shares;

/// <summary>A share group as ShareGroupDescribe shows it (GROUP_ID_NOT_FOUND for an unknown one).</summary>
public sealed record ShareGroupDescription(
    ErrorCode Error,
    string? ErrorMessage,
    string GroupId,
    ShareGroupState State,
    int GroupEpoch,
    int AssignmentEpoch,
    IReadOnlyList<ShareGroupMemberDescription> Members);
