using Gregor.Protocol;

namespace Gregor.Broker.Shares;

/// <summary>
/// One share group: its members, epochs and share partitions (the in-flight state of every topic
/// partition the group has consumed). Mutated only under the coordinator's lock; the
/// <see cref="SharePartition"/>s lock themselves.
/// </summary>
public sealed class ShareGroup(string groupId)
{
    public string GroupId { get; } = groupId;

    /// <summary>Bumped whenever the target assignment changes.</summary>
    public int GroupEpoch { get; set; }

    /// <summary>The group epoch the current target assignment was computed at.</summary>
    public int AssignmentEpoch { get; set; }

    public Dictionary<string, ShareGroupMember> Members { get; } = new(StringComparer.Ordinal);

    public Dictionary<TopicPartition, SharePartition> Partitions { get; } = [];

    public ShareGroupState State => Members.Count == 0 ? ShareGroupState.Empty : ShareGroupState.Stable;
}
