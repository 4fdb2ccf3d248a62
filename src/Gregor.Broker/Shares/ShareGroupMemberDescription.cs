namespace Gregor.Broker.Shares;

/// <summary>One member as ShareGroupDescribe shows it.</summary>
public sealed record ShareGroupMemberDescription(
    string MemberId,
    string? RackId,
    int MemberEpoch,
    string ClientId,
    string ClientHost,
    IReadOnlyList<string> SubscribedTopicNames,
    IReadOnlyList<TopicIdPartition> Assignment);
