namespace Gregor.Broker.Groups;

/// <summary>
/// An OffsetCommit request. <see cref="GenerationId"/> -1 with an empty member id is a commit
/// from outside group management (admin client, manual assignment). <see cref="RetentionTimeMs"/>
/// is the v2-v4 retention field (-1 = broker default).
/// </summary>
public sealed record OffsetCommitParameters(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    long RetentionTimeMs,
    IReadOnlyList<OffsetCommitEntry> Offsets);
