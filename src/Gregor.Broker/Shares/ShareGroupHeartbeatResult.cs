using Gregor.Protocol.Errors;

namespace Gregor.Broker.Shares;

/// <summary>What a ShareGroupHeartbeat answers: the member's epoch and, when it changed, its assignment.</summary>
public sealed record ShareGroupHeartbeatResult(
    ErrorCode Error,
    string? ErrorMessage,
    string? MemberId,
    int MemberEpoch,
    int HeartbeatIntervalMs,
    IReadOnlyList<TopicIdPartition>? Assignment)
{
    public static ShareGroupHeartbeatResult Failure(ErrorCode error, string? message, string? memberId) =>
        new(error, message, memberId, 0, 0, null);
}
