using Gregor.Protocol;

namespace Gregor.Broker.Groups;

/// <summary>
/// The state of one classic group: its state machine position, generation, chosen protocol,
/// leader, members (with static-member and KIP-394 pending-member bookkeeping) and committed
/// offsets. Pure data plus small queries; <see cref="ClassicGroupMembership"/> drives transitions.
/// Thread-safety: owned by one <see cref="GroupCoordinatorShard"/> and touched only on its event loop.
/// </summary>
internal sealed class ConsumerGroup(string groupId, long nowMs)
{
    public string GroupId { get; } = groupId;
    public GroupState State { get; private set; } = GroupState.Empty;
    public long CurrentStateTimestampMs { get; private set; } = nowMs;
    public int Generation { get; set; }
    public string? ProtocolType { get; set; }
    public string? ProtocolName { get; set; }
    public string? LeaderId { get; set; }

    /// <summary>Members in join order (first joiner leads when the leader leaves).</summary>
    public Dictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>group.instance.id → current member id.</summary>
    public Dictionary<string, string> StaticMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet.</summary>
    public HashSet<string> PendingMembers { get; } = new(StringComparer.Ordinal);

    /// <summary>Members that got their JoinGroup response but have not sent SyncGroup yet.</summary>
    public HashSet<string> PendingSyncMembers { get; } = new(StringComparer.Ordinal);

    public Dictionary<TopicPartition, CommittedOffset> Offsets { get; } = [];

    /// <summary>Bumped on every rebalance so stale delayed-join timers do nothing.</summary>
    public int RebalanceToken { get; set; }

    /// <summary>True during the first rebalance's group.initial.rebalance.delay.ms window.</summary>
    public bool InInitialDelay { get; set; }

    /// <summary>A member joined during the initial delay, so the delay is extended once more.</summary>
    public bool NewMemberAdded { get; set; }

    public void TransitionTo(GroupState state, long nowMs)
    {
        State = state;
        CurrentStateTimestampMs = nowMs;
    }

    public int MaxRebalanceTimeoutMs
    {
        get
        {
            var max = 0;
            foreach (var m in Members.Values)
            {
                max = Math.Max(max, m.RebalanceTimeoutMs);
            }
            return max;
        }
    }

    public bool AllMembersJoined
    {
        get
        {
            if (PendingMembers.Count > 0)
            {
                return false;
            }
            foreach (var m in Members.Values)
            {
                if (m.AwaitingJoin is null)
                {
                    return false;
                }
            }
            return true;
        }
    }

    public void Add(GroupMember member)
    {
        Members[member.MemberId] = member;
        if (member.GroupInstanceId is { } instanceId)
        {
            StaticMembers[instanceId] = member.MemberId;
        }
        LeaderId ??= member.MemberId;
    }

    public void Remove(GroupMember member)
    {
        Members.Remove(member.MemberId);
        PendingSyncMembers.Remove(member.MemberId);
        if (member.GroupInstanceId is { } instanceId && StaticMembers.TryGetValue(instanceId, out var id) && id == member.MemberId)
        {
            StaticMembers.Remove(instanceId);
        }
        if (LeaderId == member.MemberId)
        {
            LeaderId = null;
            foreach (var m in Members.Values)
            {
                LeaderId = m.MemberId;
                if (m.AwaitingJoin is not null)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Kafka's rule: an empty group accepts any non-empty protocol type with at least one
    /// protocol; otherwise the type must match and one of the member's protocols must be
    /// supported by every current member.
    /// </summary>
    public bool SupportsProtocols(string protocolType, IReadOnlyList<GroupProtocol> protocols)
    {
        if (Members.Count == 0)
        {
            return protocolType.Length > 0 && protocols.Count > 0;
        }
        if (ProtocolType != protocolType)
        {
            return false;
        }
        foreach (var p in protocols)
        {
            var all = true;
            foreach (var m in Members.Values)
            {
                if (!m.Supports(p.Name))
                {
                    all = false;
                    break;
                }
            }
            if (all)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Chooses the protocol every member supports that most members list first (Kafka's vote);
    /// ties go to the leader's (or first member's) preference order.
    /// </summary>
    public string SelectProtocol()
    {
        var first = (LeaderId is not null && Members.TryGetValue(LeaderId, out var leader)) ? leader : Members.Values.First();
        var candidates = first.Protocols.Select(p => p.Name).Where(name => Members.Values.All(m => m.Supports(name))).ToList();
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException($"group {GroupId} has no protocol common to all members");
        }
        var votes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in Members.Values)
        {
            var choice = m.Protocols.First(p => candidates.Contains(p.Name)).Name;
            votes[choice] = votes.GetValueOrDefault(choice) + 1;
        }
        var best = candidates[0];
        foreach (var c in candidates)
        {
            if (votes.GetValueOrDefault(c) > votes.GetValueOrDefault(best))
            {
                best = c;
            }
        }
        return best;
    }

    public IReadOnlyList<JoinGroupMember> CurrentMemberMetadata()
    {
        var protocol = ProtocolName ?? string.Empty;
        return [.. Members.Values.Select(m => new JoinGroupMember(m.MemberId, m.GroupInstanceId, m.MetadataFor(protocol)))];
    }
}
