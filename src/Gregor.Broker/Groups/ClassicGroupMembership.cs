using Gregor.Broker.Coordinator;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>
/// Classic group membership for one shard (Kafka's classic-group half of GroupMetadataManager):
/// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, the state machine, generation fencing, static
/// membership (group.instance.id), KIP-394 member ids, and the session, rebalance, initial-delay
/// and sync timeouts. The broker never computes assignments: the leader gets every member's
/// metadata and sends the assignment in SyncGroup, so any client-side assignor works.
/// <para>
/// Every method runs on the shard's event loop. Operations change the in-memory groups directly
/// and queue a group snapshot where Kafka writes one: with the operation's response for the
/// leader's assignment and a static member's new id (<see cref="GroupCoordinatorShard.PersistGroup"/>),
/// in a write of its own for a group that became empty (<see cref="GroupCoordinatorShard.PersistGroupLater"/>).
/// Responses that wait on a rebalance are TaskCompletionSources with asynchronous continuations,
/// returned as the operation's response and awaited by the caller off the loop.
/// </para>
/// </summary>
internal sealed class ClassicGroupMembership(GroupCoordinatorShard shard)
{
    private GroupCoordinatorOptions Options => shard.Options;

    private long NowMs => shard.NowMs;

    public CoordinatorResult<Task<JoinGroupResult>, GroupLogRecord> Join(JoinGroupParameters p)
    {
        if (p.SessionTimeoutMs < Options.MinSessionTimeoutMs || p.SessionTimeoutMs > Options.MaxSessionTimeoutMs)
        {
            return shard.MembershipResult(Task.FromResult(JoinGroupResult.Failure(ErrorCode.InvalidSessionTimeout, p.MemberId)));
        }
        var isUnknownMember = p.MemberId.Length == 0;
        ConsumerGroup? group;
        if (isUnknownMember)
        {
            group = shard.GetOrCreate(p.GroupId);
        }
        else if ((group = shard.Find(p.GroupId)) is null)
        {
            return shard.MembershipResult(Task.FromResult(JoinGroupResult.Failure(ErrorCode.UnknownMemberId, p.MemberId)));
        }
        if (!group.SupportsProtocols(p.ProtocolType, p.Protocols))
        {
            return shard.MembershipResult(Task.FromResult(JoinGroupResult.Failure(ErrorCode.InconsistentGroupProtocol, p.MemberId)));
        }
        if (!isUnknownMember)
        {
            return shard.MembershipResult(JoinKnownMember(group, p));
        }
        var newMemberId = $"{p.ClientId}-{Guid.NewGuid()}";
        if (p.GroupInstanceId is { } instanceId && group.StaticMembers.TryGetValue(instanceId, out var oldMemberId))
        {
            return ReplaceStaticMember(group, p, oldMemberId, newMemberId);
        }
        return shard.MembershipResult(JoinUnknownMember(group, p, newMemberId));
    }

    private bool IsGroupFull(ConsumerGroup group) =>
        group.Members.Count + group.PendingMembers.Count >= Options.MaxGroupSize;

    private Task<JoinGroupResult> JoinUnknownMember(ConsumerGroup group, JoinGroupParameters p, string newMemberId)
    {
        if (IsGroupFull(group))
        {
            return Task.FromResult(JoinGroupResult.Failure(ErrorCode.GroupMaxSizeReached));
        }
        if (p.GroupInstanceId is null && p.RequireKnownMemberId)
        {
            // KIP-394: hand out the id first, so a client that times out and retries cannot
            // leave orphan members behind; the member joins for real with this id.
            group.PendingMembers.Add(newMemberId);
            shard.ScheduleTimer($"pending-member:{group.GroupId}:{newMemberId}", p.SessionTimeoutMs, () => ExpirePendingMember(group, newMemberId));
            return Task.FromResult(new JoinGroupResult(ErrorCode.MemberIdRequired, -1, null, null, string.Empty, false, newMemberId, []));
        }
        return AddMemberAndRebalance(group, p, newMemberId);
    }

    private Task<JoinGroupResult> JoinKnownMember(ConsumerGroup group, JoinGroupParameters p)
    {
        if (group.PendingMembers.Remove(p.MemberId))
        {
            shard.CancelTimer($"pending-member:{group.GroupId}:{p.MemberId}");
            return AddMemberAndRebalance(group, p, p.MemberId);
        }
        var error = ValidateMember(group, p.MemberId, p.GroupInstanceId);
        if (error != ErrorCode.None)
        {
            return Task.FromResult(JoinGroupResult.Failure(error, p.MemberId));
        }
        var member = group.Members[p.MemberId];
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                return UpdateMemberAndRebalance(group, member, p, "member rejoined");
            case GroupState.CompletingRebalance:
                if (member.Matches(p.Protocols))
                {
                    // The member lost the JoinGroup response; send it again.
                    return Task.FromResult(CurrentGenerationResult(group, member, skipAssignment: false));
                }
                return UpdateMemberAndRebalance(group, member, p, "member changed its protocols");
            case GroupState.Stable:
                if (member.MemberId == group.LeaderId || !member.Matches(p.Protocols))
                {
                    return UpdateMemberAndRebalance(group, member, p, member.MemberId == group.LeaderId ? "leader rejoined" : "member changed its protocols");
                }
                return Task.FromResult(CurrentGenerationResult(group, member, skipAssignment: false));
            default:
                return Task.FromResult(JoinGroupResult.Failure(ErrorCode.UnknownMemberId, p.MemberId));
        }
    }

    /// <summary>UNKNOWN_MEMBER_ID for an id the group does not have; FENCED_INSTANCE_ID when the instance id now belongs to another member id.</summary>
    public static ErrorCode ValidateMember(ConsumerGroup group, string memberId, string? groupInstanceId)
    {
        if (groupInstanceId is not null)
        {
            if (!group.StaticMembers.TryGetValue(groupInstanceId, out var current))
            {
                return ErrorCode.UnknownMemberId;
            }
            if (current != memberId)
            {
                return ErrorCode.FencedInstanceId;
            }
        }
        return group.Members.ContainsKey(memberId) ? ErrorCode.None : ErrorCode.UnknownMemberId;
    }

    private static JoinGroupResult CurrentGenerationResult(ConsumerGroup group, GroupMember member, bool skipAssignment)
    {
        var isLeader = member.MemberId == group.LeaderId;
        return new JoinGroupResult(
            ErrorCode.None,
            group.Generation,
            group.ProtocolType,
            group.ProtocolName,
            group.LeaderId ?? string.Empty,
            skipAssignment && isLeader,
            member.MemberId,
            isLeader ? group.CurrentMemberMetadata() : []);
    }

    private Task<JoinGroupResult> AddMemberAndRebalance(ConsumerGroup group, JoinGroupParameters p, string memberId)
    {
        var member = new GroupMember(memberId, p.GroupInstanceId, p.ClientId, p.ClientHost, p.SessionTimeoutMs, p.RebalanceTimeoutMs, p.Protocols)
        {
            HeartbeatDeadlineMs = NowMs + p.SessionTimeoutMs,
            AwaitingJoin = NewJoinCompletion(),
        };
        if (group.Members.Count == 0)
        {
            group.ProtocolType = p.ProtocolType;
        }
        if (group.State == GroupState.PreparingRebalance && group.InInitialDelay)
        {
            group.NewMemberAdded = true;
        }
        group.Add(member);
        ScheduleSessionExpiry(group, member);
        var task = member.AwaitingJoin.Task;
        MaybePrepareRebalance(group, $"member {memberId} joined");
        return task;
    }

    private Task<JoinGroupResult> UpdateMemberAndRebalance(ConsumerGroup group, GroupMember member, JoinGroupParameters p, string reason)
    {
        member.Protocols = p.Protocols;
        member.SessionTimeoutMs = p.SessionTimeoutMs;
        member.RebalanceTimeoutMs = p.RebalanceTimeoutMs;
        member.ClientId = p.ClientId;
        member.ClientHost = p.ClientHost;
        member.HeartbeatDeadlineMs = NowMs + p.SessionTimeoutMs;
        // A retried JoinGroup shares the pending response instead of orphaning the first one.
        member.AwaitingJoin ??= NewJoinCompletion();
        var task = member.AwaitingJoin.Task;
        MaybePrepareRebalance(group, reason);
        return task;
    }

    private CoordinatorResult<Task<JoinGroupResult>, GroupLogRecord> ReplaceStaticMember(ConsumerGroup group, JoinGroupParameters p, string oldMemberId, string newMemberId)
    {
        var member = group.Members[oldMemberId];
        // The old incarnation is fenced: any response it still waits for says so.
        member.AwaitingJoin?.TrySetResult(JoinGroupResult.Failure(ErrorCode.FencedInstanceId, oldMemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync?.TrySetResult(SyncGroupResult.Failure(ErrorCode.FencedInstanceId));
        member.AwaitingSync = null;
        var wasPendingSync = group.PendingSyncMembers.Remove(oldMemberId);
        var wasLeader = group.LeaderId == oldMemberId;
        RenameMember(group, member, oldMemberId, newMemberId, wasPendingSync, wasLeader);
        member.HeartbeatDeadlineMs = NowMs + p.SessionTimeoutMs;
        switch (group.State)
        {
            case GroupState.Stable:
                var isLeader = group.LeaderId == newMemberId;
                if (!member.Matches(p.Protocols) || (isLeader && !p.SupportsSkipAssignment))
                {
                    // An old leader cannot be told to skip the assignment, so it gets a real rebalance.
                    return shard.MembershipResult(UpdateMemberAndRebalance(group, member, p, $"static member {p.GroupInstanceId} rejoined"));
                }
                // Same subscription: no rebalance; the member keeps its assignment under its new id,
                // which is stored before the member hears of it.
                var previous = (member.SessionTimeoutMs, member.RebalanceTimeoutMs, member.ClientId, member.ClientHost);
                member.SessionTimeoutMs = p.SessionTimeoutMs;
                member.RebalanceTimeoutMs = p.RebalanceTimeoutMs;
                member.ClientId = p.ClientId;
                member.ClientHost = p.ClientHost;
                shard.PersistGroup(group);
                return shard.MembershipResult(
                    Task.FromResult(CurrentGenerationResult(group, member, skipAssignment: true)),
                    onAppendFailed: _ =>
                    {
                        // Not stored: the old id stays the member's (as Kafka reverts the replacement).
                        if (group.Members.TryGetValue(newMemberId, out var current) && current == member)
                        {
                            RenameMember(group, member, newMemberId, oldMemberId, group.PendingSyncMembers.Remove(newMemberId), group.LeaderId == newMemberId);
                            (member.SessionTimeoutMs, member.RebalanceTimeoutMs, member.ClientId, member.ClientHost) = previous;
                        }
                    });
            case GroupState.CompletingRebalance:
                // The leader may already be assigning to the old id: rebalance so the new id gets an assignment.
                return shard.MembershipResult(UpdateMemberAndRebalance(group, member, p, $"static member {p.GroupInstanceId} rejoined during sync"));
            default:
                return shard.MembershipResult(UpdateMemberAndRebalance(group, member, p, $"static member {p.GroupInstanceId} rejoined"));
        }
    }

    private static void RenameMember(ConsumerGroup group, GroupMember member, string fromId, string toId, bool pendingSync, bool leader)
    {
        group.Members.Remove(fromId);
        member.MemberId = toId;
        group.Members[toId] = member;
        group.StaticMembers[member.GroupInstanceId!] = toId;
        if (pendingSync)
        {
            group.PendingSyncMembers.Add(toId);
        }
        if (leader)
        {
            group.LeaderId = toId;
        }
    }

    private static TaskCompletionSource<JoinGroupResult> NewJoinCompletion() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void MaybePrepareRebalance(ConsumerGroup group, string reason)
    {
        switch (group.State)
        {
            case GroupState.Empty:
            case GroupState.Stable:
            case GroupState.CompletingRebalance:
                PrepareRebalance(group, reason);
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin(group);
                break;
        }
    }

    private static string JoinTimerKey(ConsumerGroup group) => $"join:{group.GroupId}";

    private static string SyncTimerKey(ConsumerGroup group) => $"sync:{group.GroupId}";

    private void PrepareRebalance(ConsumerGroup group, string reason)
    {
        if (group.State == GroupState.CompletingRebalance)
        {
            ResetAndPropagateSyncError(group, ErrorCode.RebalanceInProgress);
        }
        var initial = group.State == GroupState.Empty;
        group.TransitionTo(GroupState.PreparingRebalance, NowMs);
        var token = ++group.RebalanceToken;
        shard.Metrics.Rebalances.Add(1);
        GroupCoordinatorLog.Rebalancing(shard.Logger, group.GroupId, group.Generation, reason);
        if (initial && Options.InitialRebalanceDelayMs > 0)
        {
            // group.initial.rebalance.delay.ms: wait for more members before the first generation,
            // extending while members keep arriving, up to the rebalance timeout.
            var delay = Options.InitialRebalanceDelayMs;
            var remaining = Math.Max(group.MaxRebalanceTimeoutMs - delay, 0);
            group.InInitialDelay = true;
            group.NewMemberAdded = false;
            shard.ScheduleTimer(JoinTimerKey(group), delay, () => OnInitialDelayElapsed(group, token, remaining));
            return;
        }
        group.InInitialDelay = false;
        shard.ScheduleTimer(JoinTimerKey(group), group.MaxRebalanceTimeoutMs, () => OnRebalanceTimeout(group, token));
        TryCompleteJoin(group);
    }

    private void OnInitialDelayElapsed(ConsumerGroup group, int token, int remainingMs)
    {
        if (group.RebalanceToken != token || group.State != GroupState.PreparingRebalance)
        {
            return;
        }
        if (group.NewMemberAdded && remainingMs > 0)
        {
            group.NewMemberAdded = false;
            var delay = Math.Min(Options.InitialRebalanceDelayMs, remainingMs);
            var remaining = Math.Max(remainingMs - Options.InitialRebalanceDelayMs, 0);
            shard.ScheduleTimer(JoinTimerKey(group), delay, () => OnInitialDelayElapsed(group, token, remaining));
            return;
        }
        group.InInitialDelay = false;
        CompleteJoin(group);
    }

    private void OnRebalanceTimeout(ConsumerGroup group, int token)
    {
        if (group.RebalanceToken == token && group.State == GroupState.PreparingRebalance && !group.InInitialDelay)
        {
            CompleteJoin(group);
        }
    }

    private void TryCompleteJoin(ConsumerGroup group)
    {
        if (group.State == GroupState.PreparingRebalance && !group.InInitialDelay && group.AllMembersJoined)
        {
            CompleteJoin(group);
        }
    }

    /// <summary>
    /// Ends the join phase: dynamic members that did not rejoin are dropped (static ones are kept,
    /// Kafka's rule), the generation is bumped, a protocol chosen, and every waiting member gets its
    /// JoinGroup response (the leader with all members' metadata).
    /// </summary>
    private void CompleteJoin(ConsumerGroup group)
    {
        shard.CancelTimer(JoinTimerKey(group));
        foreach (var member in group.Members.Values.Where(m => m.AwaitingJoin is null && !m.IsStatic).ToList())
        {
            RemoveMember(group, member, "did not rejoin before the rebalance timeout");
        }
        var now = NowMs;
        group.RebalanceToken++;
        group.Generation++;
        if (group.Members.Count == 0)
        {
            group.ProtocolName = null;
            group.LeaderId = null;
            group.TransitionTo(GroupState.Empty, now);
            shard.PersistGroupLater(group);
            return;
        }
        if (group.LeaderId is null || !group.Members.TryGetValue(group.LeaderId, out var leader) || leader.AwaitingJoin is null)
        {
            group.LeaderId = group.Members.Values.FirstOrDefault(m => m.AwaitingJoin is not null)?.MemberId ?? group.Members.Keys.First();
        }
        group.ProtocolName = group.SelectProtocol();
        group.TransitionTo(GroupState.CompletingRebalance, now);
        group.PendingSyncMembers.Clear();
        var leaderMembers = group.CurrentMemberMetadata();
        foreach (var member in group.Members.Values)
        {
            var awaiting = member.AwaitingJoin;
            member.Assignment = [];
            if (awaiting is null)
            {
                continue;
            }
            member.AwaitingJoin = null;
            member.HeartbeatDeadlineMs = now + member.SessionTimeoutMs;
            group.PendingSyncMembers.Add(member.MemberId);
            var isLeader = member.MemberId == group.LeaderId;
            awaiting.TrySetResult(new JoinGroupResult(
                ErrorCode.None,
                group.Generation,
                group.ProtocolType,
                group.ProtocolName,
                group.LeaderId,
                false,
                member.MemberId,
                isLeader ? leaderMembers : []));
        }
        // Members must follow up with SyncGroup within the rebalance timeout, else they are dropped.
        var generation = group.Generation;
        shard.ScheduleTimer(SyncTimerKey(group), group.MaxRebalanceTimeoutMs, () => OnSyncTimeout(group, generation));
    }

    private void OnSyncTimeout(ConsumerGroup group, int generation)
    {
        if (group.State != GroupState.CompletingRebalance || group.Generation != generation || group.PendingSyncMembers.Count == 0)
        {
            return;
        }
        foreach (var memberId in group.PendingSyncMembers.ToList())
        {
            if (group.Members.TryGetValue(memberId, out var member))
            {
                RemoveMember(group, member, "did not send SyncGroup before the rebalance timeout");
            }
        }
        PrepareRebalance(group, "members did not sync in time");
    }

    private static void ResetAndPropagateSyncError(ConsumerGroup group, ErrorCode error)
    {
        foreach (var member in group.Members.Values)
        {
            member.Assignment = [];
            var awaiting = member.AwaitingSync;
            member.AwaitingSync = null;
            awaiting?.TrySetResult(SyncGroupResult.Failure(error));
        }
        group.PendingSyncMembers.Clear();
    }

    private void RemoveMember(ConsumerGroup group, GroupMember member, string reason)
    {
        member.AwaitingJoin?.TrySetResult(JoinGroupResult.Failure(ErrorCode.UnknownMemberId, member.MemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync?.TrySetResult(SyncGroupResult.Failure(ErrorCode.UnknownMemberId));
        member.AwaitingSync = null;
        group.Remove(member);
        GroupCoordinatorLog.MemberRemoved(shard.Logger, group.GroupId, member.MemberId, reason);
    }

    private void ScheduleSessionExpiry(ConsumerGroup group, GroupMember member)
    {
        if (member.ExpiryScheduled)
        {
            return;
        }
        member.ExpiryScheduled = true;
        shard.ScheduleTimer($"session:{group.GroupId}:{member.MemberId}", Math.Max(0, member.HeartbeatDeadlineMs - NowMs), () => CheckSessionExpiry(group, member));
    }

    /// <summary>
    /// Heartbeats only move the member's deadline; this check, due at the old deadline,
    /// re-schedules itself at the new one (one timer per member however often it heartbeats).
    /// A member waiting for a JoinGroup or SyncGroup response is kept alive (the rebalance and
    /// sync timeouts bound that wait).
    /// </summary>
    private void CheckSessionExpiry(ConsumerGroup group, GroupMember member)
    {
        member.ExpiryScheduled = false;
        if (!group.Members.TryGetValue(member.MemberId, out var current) || current != member || group.State == GroupState.Dead)
        {
            return;
        }
        var now = NowMs;
        if (member.AwaitingJoin is not null || member.AwaitingSync is not null)
        {
            member.HeartbeatDeadlineMs = Math.Max(member.HeartbeatDeadlineMs, now + member.SessionTimeoutMs);
        }
        if (member.HeartbeatDeadlineMs > now)
        {
            ScheduleSessionExpiry(group, member);
            return;
        }
        RemoveMember(group, member, $"session timeout of {member.SessionTimeoutMs} ms expired");
        OnMembershipShrunk(group, $"member {member.MemberId} session expired");
    }

    private void OnMembershipShrunk(ConsumerGroup group, string reason)
    {
        switch (group.State)
        {
            case GroupState.Stable:
            case GroupState.CompletingRebalance:
                PrepareRebalance(group, reason);
                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin(group);
                break;
        }
    }

    private void ExpirePendingMember(ConsumerGroup group, string memberId)
    {
        if (group.PendingMembers.Remove(memberId))
        {
            TryCompleteJoin(group);
        }
    }

    public CoordinatorResult<Task<SyncGroupResult>, GroupLogRecord> Sync(SyncGroupParameters p)
    {
        if (shard.Find(p.GroupId) is not { } group)
        {
            return shard.MembershipResult(Task.FromResult(SyncGroupResult.Failure(ErrorCode.UnknownMemberId)));
        }
        var error = ValidateMember(group, p.MemberId, p.GroupInstanceId);
        if (error != ErrorCode.None)
        {
            return shard.MembershipResult(Task.FromResult(SyncGroupResult.Failure(error)));
        }
        if (p.GenerationId != group.Generation)
        {
            return shard.MembershipResult(Task.FromResult(SyncGroupResult.Failure(ErrorCode.IllegalGeneration)));
        }
        if ((p.ProtocolType is not null && p.ProtocolType != group.ProtocolType) ||
            (p.ProtocolName is not null && p.ProtocolName != group.ProtocolName))
        {
            return shard.MembershipResult(Task.FromResult(SyncGroupResult.Failure(ErrorCode.InconsistentGroupProtocol)));
        }
        var member = group.Members[p.MemberId];
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                return shard.MembershipResult(Task.FromResult(SyncGroupResult.Failure(ErrorCode.RebalanceInProgress)));
            case GroupState.Stable:
                member.HeartbeatDeadlineMs = NowMs + member.SessionTimeoutMs;
                return shard.MembershipResult(Task.FromResult(new SyncGroupResult(ErrorCode.None, group.ProtocolType, group.ProtocolName, member.Assignment)));
            case GroupState.CompletingRebalance:
                member.HeartbeatDeadlineMs = NowMs + member.SessionTimeoutMs;
                group.PendingSyncMembers.Remove(member.MemberId);
                member.AwaitingSync ??= new TaskCompletionSource<SyncGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                var response = member.AwaitingSync.Task;
                if (member.MemberId != group.LeaderId)
                {
                    return shard.MembershipResult(response);
                }
                foreach (var m in group.Members.Values)
                {
                    m.Assignment = p.Assignments.TryGetValue(m.MemberId, out var assignment) ? assignment : [];
                }
                // The leader's assignment is written to __consumer_offsets before anyone is told.
                var generation = group.Generation;
                shard.PersistGroup(group);
                return shard.MembershipResult(
                    response,
                    onAppendFailed: _ =>
                    {
                        if (group.State == GroupState.CompletingRebalance && group.Generation == generation)
                        {
                            ResetAndPropagateSyncError(group, ErrorCode.CoordinatorNotAvailable);
                            PrepareRebalance(group, "storing the assignment failed");
                        }
                    },
                    onAppended: () =>
                    {
                        if (group.State == GroupState.CompletingRebalance && group.Generation == generation)
                        {
                            shard.CancelTimer(SyncTimerKey(group));
                            group.TransitionTo(GroupState.Stable, NowMs);
                            group.PendingSyncMembers.Clear();
                            foreach (var m in group.Members.Values)
                            {
                                var awaiting = m.AwaitingSync;
                                m.AwaitingSync = null;
                                awaiting?.TrySetResult(new SyncGroupResult(ErrorCode.None, group.ProtocolType, group.ProtocolName, m.Assignment));
                            }
                            GroupCoordinatorLog.Stabilized(shard.Logger, group.GroupId, group.Generation, group.Members.Count, group.ProtocolName);
                        }
                    });
            default:
                return shard.MembershipResult(Task.FromResult(SyncGroupResult.Failure(ErrorCode.UnknownMemberId)));
        }
    }

    public ErrorCode Heartbeat(string groupId, string memberId, string? groupInstanceId, int generationId)
    {
        if (shard.Find(groupId) is not { } group)
        {
            return ErrorCode.UnknownMemberId;
        }
        var error = ValidateMember(group, memberId, groupInstanceId);
        if (error != ErrorCode.None)
        {
            return error;
        }
        var member = group.Members[memberId];
        switch (group.State)
        {
            case GroupState.PreparingRebalance:
                // Keep the member alive while it is told to rejoin.
                member.HeartbeatDeadlineMs = NowMs + member.SessionTimeoutMs;
                return ErrorCode.RebalanceInProgress;
            case GroupState.CompletingRebalance:
            case GroupState.Stable:
                if (generationId != group.Generation)
                {
                    return ErrorCode.IllegalGeneration;
                }
                member.HeartbeatDeadlineMs = NowMs + member.SessionTimeoutMs;
                return ErrorCode.None;
            default:
                return ErrorCode.UnknownMemberId;
        }
    }

    public CoordinatorResult<LeaveGroupResult, GroupLogRecord> Leave(string groupId, IReadOnlyList<LeaveGroupMember> members)
    {
        var errors = new ErrorCode[members.Count];
        if (shard.Find(groupId) is not { } group)
        {
            Array.Fill(errors, ErrorCode.UnknownMemberId);
            return shard.MembershipResult(new LeaveGroupResult(ErrorCode.None, errors));
        }
        var removed = false;
        for (var i = 0; i < members.Count; i++)
        {
            var leaving = members[i];
            string memberId;
            if (leaving.GroupInstanceId is { } instanceId)
            {
                if (!group.StaticMembers.TryGetValue(instanceId, out var current))
                {
                    errors[i] = ErrorCode.UnknownMemberId;
                    continue;
                }
                if (leaving.MemberId.Length > 0 && leaving.MemberId != current)
                {
                    errors[i] = ErrorCode.FencedInstanceId;
                    continue;
                }
                memberId = current;
            }
            else
            {
                if (group.PendingMembers.Remove(leaving.MemberId))
                {
                    shard.CancelTimer($"pending-member:{group.GroupId}:{leaving.MemberId}");
                    TryCompleteJoin(group);
                    continue;
                }
                memberId = leaving.MemberId;
            }
            if (!group.Members.TryGetValue(memberId, out var member))
            {
                errors[i] = ErrorCode.UnknownMemberId;
                continue;
            }
            RemoveMember(group, member, "left the group");
            removed = true;
        }
        if (removed)
        {
            OnMembershipShrunk(group, "members left");
        }
        return shard.MembershipResult(new LeaveGroupResult(ErrorCode.None, errors));
    }

    /// <summary>Rebuilds a group's membership from its last <c>GroupMetadataValue</c> on load; members get a fresh session timeout.</summary>
    public void Restore(ConsumerGroup group, Records.GroupMetadataValue value, long now)
    {
        group.ProtocolType = value.ProtocolType.Length > 0 ? value.ProtocolType : null;
        group.Generation = value.Generation;
        group.ProtocolName = value.Protocol;
        group.LeaderId = value.Leader;
        if (value.Members.Count == 0)
        {
            group.TransitionTo(GroupState.Empty, value.CurrentStateTimestamp >= 0 ? value.CurrentStateTimestamp : now);
            return;
        }
        foreach (var m in value.Members)
        {
            var protocols = value.Protocol is null ? (IReadOnlyList<GroupProtocol>)[] : [new GroupProtocol(value.Protocol, m.Subscription)];
            var member = new GroupMember(m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost, m.SessionTimeout, m.RebalanceTimeout, protocols)
            {
                Assignment = m.Assignment,
                HeartbeatDeadlineMs = now + m.SessionTimeout,
            };
            group.Add(member);
            ScheduleSessionExpiry(group, member);
        }
        group.LeaderId = value.Leader;
        group.TransitionTo(GroupState.Stable, value.CurrentStateTimestamp >= 0 ? value.CurrentStateTimestamp : now);
    }

    /// <summary>This node is no longer the coordinator: members waiting for a rebalance are told to find the new one.</summary>
    public void OnUnloaded()
    {
        foreach (var group in shard.Groups)
        {
            foreach (var member in group.Members.Values)
            {
                member.AwaitingJoin?.TrySetResult(JoinGroupResult.Failure(ErrorCode.NotCoordinator, member.MemberId));
                member.AwaitingJoin = null;
                member.AwaitingSync?.TrySetResult(SyncGroupResult.Failure(ErrorCode.NotCoordinator));
                member.AwaitingSync = null;
            }
        }
    }
}
