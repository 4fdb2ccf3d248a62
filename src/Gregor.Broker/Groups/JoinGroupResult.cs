using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>
/// The coordinator's answer to a JoinGroup. <see cref="Members"/> is filled for the leader only;
/// the leader computes the assignment client-side and sends it in SyncGroup.
/// </summary>
public sealed record JoinGroupResult(
    ErrorCode Error,
    int GenerationId,
    string? ProtocolType,
    string? ProtocolName,
    string LeaderId,
    bool SkipAssignment,
    string MemberId,
    IReadOnlyList<JoinGroupMember> Members)
{
    public static JoinGroupResult Failure(ErrorCode error, string memberId = "") =>
        new(error, -1, null, null, string.Empty, false, memberId, []);
}
