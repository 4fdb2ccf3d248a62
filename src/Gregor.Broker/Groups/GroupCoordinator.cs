using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Groups;

/// <summary>
/// The classic consumer-group coordinator (Kafka's GroupCoordinator for the "classic" protocol):
/// membership through JoinGroup/SyncGroup/Heartbeat/LeaveGroup, generation fencing, static
/// membership (group.instance.id), KIP-394 member ids, session/rebalance timeouts, and committed
/// offsets persisted to <c>__consumer_offsets</c> (this file: membership; GroupCoordinator.Offsets.cs:
/// offsets, admin queries, loading and expiry). The broker never computes assignments: the
/// leader gets every member's metadata and sends the assignment in SyncGroup, so any client-side
/// assignor (range, roundrobin, sticky, cooperative-sticky) works.
/// Lifecycle: construct, <see cref="StartAsync"/> replays the log (requests answer
/// COORDINATOR_LOAD_IN_PROGRESS until then), <see cref="Dispose"/> stops the timers.
/// Thread-safety: one lock per group; responses waiting on a rebalance are TaskCompletionSources
/// completed asynchronously, never while a caller's thread holds a lock it needs.
/// </summary>
public sealed partial class GroupCoordinator : IDisposable
{
    private readonly GroupCoordinatorOptions _options;
    private readonly ConsumerOffsetsLog _log;
    private readonly GroupTimerScheduler _scheduler;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly Meter _meter = new("Gregor.Broker.Groups");
    private readonly Counter<long> _rebalances;
    private readonly Counter<long> _offsetCommits;
    private readonly Counter<long> _offsetsExpired;
    private volatile bool _loaded;

    public GroupCoordinator(GroupCoordinatorOptions options, IGroupLogStore store, TimeProvider time, ILogger<GroupCoordinator>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _log = new ConsumerOffsetsLog(store, options.OffsetsTopicPartitions);
        _scheduler = new GroupTimerScheduler(time, ex => GroupCoordinatorLog.Failure(_logger, ex, "timer callback"));
        _rebalances = _meter.CreateCounter<long>("gregor.groups.rebalances", description: "Rebalances started (classic groups)");
        _offsetCommits = _meter.CreateCounter<long>("gregor.groups.offset_commits", description: "Partition offsets committed");
        _offsetsExpired = _meter.CreateCounter<long>("gregor.groups.offsets_expired", description: "Committed offsets removed by retention");
        _meter.CreateObservableGauge("gregor.groups.count", () => _groups.Count, description: "Groups this coordinator holds");
        _meter.CreateObservableGauge("gregor.groups.timers", () => _scheduler.Count, description: "Pending group timeouts (bounded by members + groups)");
    }

    public GroupCoordinatorOptions Options => _options;

    /// <summary>False until the log has been replayed by <see cref="StartAsync"/>.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>Timeouts waiting in the scheduler (tests check it stays bounded).</summary>
    internal int PendingTimers => _scheduler.Count;

    public int PartitionFor(string groupId) => GroupPartitioner.PartitionFor(groupId, _options.OffsetsTopicPartitions);

    private long NowMs => _scheduler.NowMs;

    public async Task<JoinGroupResult> JoinGroupAsync(JoinGroupParameters p, CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            return JoinGroupResult.Failure(ErrorCode.CoordinatorLoadInProgress, p.MemberId);
        }
        if (string.IsNullOrEmpty(p.GroupId))
        {
            return JoinGroupResult.Failure(ErrorCode.InvalidGroupId, p.MemberId);
        }
        if (p.SessionTimeoutMs < _options.MinSessionTimeoutMs || p.SessionTimeoutMs > _options.MaxSessionTimeoutMs)
        {
            return JoinGroupResult.Failure(ErrorCode.InvalidSessionTimeout, p.MemberId);
        }
        var isUnknownMember = p.MemberId.Length == 0;
        ConsumerGroup? group;
        if (isUnknownMember)
        {
            group = _groups.GetOrAdd(p.GroupId, id => new ConsumerGroup(id, NowMs));
        }
        else if (!_groups.TryGetValue(p.GroupId, out group))
        {
            return JoinGroupResult.Failure(ErrorCode.UnknownMemberId, p.MemberId);
        }

        Task<JoinGroupResult> response;
        var persist = false;
        lock (group.Sync)
        {
            if (group.State == GroupState.Dead)
            {
                // Deleted or expired while we looked it up; the client retries and finds a fresh group.
                return JoinGroupResult.Failure(ErrorCode.CoordinatorNotAvailable, p.MemberId);
            }
            if (!group.SupportsProtocols(p.ProtocolType, p.Protocols))
            {
                return JoinGroupResult.Failure(ErrorCode.InconsistentGroupProtocol, p.MemberId);
            }
            response = isUnknownMember ? JoinUnknownMember(group, p, out persist) : JoinKnownMember(group, p);
        }
        if (persist)
        {
            await PersistGroupAsync(group, cancellationToken).ConfigureAwait(false);
        }
        return await response.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private bool IsGroupFull(ConsumerGroup group) =>
        group.Members.Count + group.PendingMembers.Count >= _options.MaxGroupSize;

    private Task<JoinGroupResult> JoinUnknownMember(ConsumerGroup group, JoinGroupParameters p, out bool persist)
    {
        persist = false;
        var newMemberId = $"{p.ClientId}-{Guid.NewGuid()}";
        if (p.GroupInstanceId is { } instanceId && group.StaticMembers.TryGetValue(instanceId, out var oldMemberId))
        {
            return ReplaceStaticMember(group, p, oldMemberId, newMemberId, out persist);
        }
        if (IsGroupFull(group))
        {
            return Task.FromResult(JoinGroupResult.Failure(ErrorCode.GroupMaxSizeReached));
        }
        if (p.GroupInstanceId is null && p.RequireKnownMemberId)
        {
            // KIP-394: hand out the id first, so a client that times out and retries cannot
            // leave orphan members behind; the member joins for real with this id.
            group.PendingMembers.Add(newMemberId);
            var sessionTimeout = p.SessionTimeoutMs;
            _scheduler.Schedule(NowMs + sessionTimeout, () => ExpirePendingMember(group, newMemberId));
            return Task.FromResult(new JoinGroupResult(ErrorCode.MemberIdRequired, -1, null, null, string.Empty, false, newMemberId, []));
        }
        return AddMemberAndRebalance(group, p, newMemberId);
    }

    private Task<JoinGroupResult> JoinKnownMember(ConsumerGroup group, JoinGroupParameters p)
    {
        if (group.PendingMembers.Remove(p.MemberId))
        {
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
    private static ErrorCode ValidateMember(ConsumerGroup group, string memberId, string? groupInstanceId)
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

    private JoinGroupResult CurrentGenerationResult(ConsumerGroup group, GroupMember member, bool skipAssignment)
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

    private Task<JoinGroupResult> ReplaceStaticMember(ConsumerGroup group, JoinGroupParameters p, string oldMemberId, string newMemberId, out bool persist)
    {
        persist = false;
        var member = group.Members[oldMemberId];
        // The old incarnation is fenced: any response it still waits for says so.
        member.AwaitingJoin?.TrySetResult(JoinGroupResult.Failure(ErrorCode.FencedInstanceId, oldMemberId));
        member.AwaitingJoin = null;
        member.AwaitingSync?.TrySetResult(SyncGroupResult.Failure(ErrorCode.FencedInstanceId));
        member.AwaitingSync = null;
        var wasPendingSync = group.PendingSyncMembers.Remove(oldMemberId);
        group.Members.Remove(oldMemberId);
        member.MemberId = newMemberId;
        group.Members[newMemberId] = member;
        group.StaticMembers[p.GroupInstanceId!] = newMemberId;
        if (wasPendingSync)
        {
            group.PendingSyncMembers.Add(newMemberId);
        }
        if (group.LeaderId == oldMemberId)
        {
            group.LeaderId = newMemberId;
        }
        member.HeartbeatDeadlineMs = NowMs + p.SessionTimeoutMs;
        switch (group.State)
        {
            case GroupState.Stable:
                var isLeader = group.LeaderId == newMemberId;
                if (!member.Matches(p.Protocols) || (isLeader && !p.SupportsSkipAssignment))
                {
                    // An old leader cannot be told to skip the assignment, so it gets a real rebalance.
                    return UpdateMemberAndRebalance(group, member, p, $"static member {p.GroupInstanceId} rejoined");
                }
                // Same subscription: no rebalance; the member keeps its assignment under its new id.
                member.SessionTimeoutMs = p.SessionTimeoutMs;
                member.RebalanceTimeoutMs = p.RebalanceTimeoutMs;
                member.ClientId = p.ClientId;
                member.ClientHost = p.ClientHost;
                persist = true;
                return Task.FromResult(CurrentGenerationResult(group, member, skipAssignment: true));
            case GroupState.CompletingRebalance:
                // The leader may already be assigning to the old id: rebalance so the new id gets an assignment.
                return UpdateMemberAndRebalance(group, member, p, $"static member {p.GroupInstanceId} rejoined during sync");
            default:
                return UpdateMemberAndRebalance(group, member, p, $"static member {p.GroupInstanceId} rejoined");
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

    private void PrepareRebalance(ConsumerGroup group, string reason)
    {
        if (group.State == GroupState.CompletingRebalance)
        {
            ResetAndPropagateSyncError(group, ErrorCode.RebalanceInProgress);
        }
        var initial = group.State == GroupState.Empty;
        group.TransitionTo(GroupState.PreparingRebalance, NowMs);
        var token = ++group.RebalanceToken;
        _rebalances.Add(1);
        GroupCoordinatorLog.Rebalancing(_logger, group.GroupId, group.Generation, reason);
        if (initial && _options.InitialRebalanceDelayMs > 0)
        {
            // group.initial.rebalance.delay.ms: wait for more members before the first generation,
            // extending while members keep arriving, up to the rebalance timeout.
            var delay = _options.InitialRebalanceDelayMs;
            var remaining = Math.Max(group.MaxRebalanceTimeoutMs - delay, 0);
            group.InInitialDelay = true;
            group.NewMemberAdded = false;
            _scheduler.Schedule(NowMs + delay, () => OnInitialDelayElapsed(group, token, remaining));
            return;
        }
        group.InInitialDelay = false;
        _scheduler.Schedule(NowMs + group.MaxRebalanceTimeoutMs, () => OnRebalanceTimeout(group, token));
        TryCompleteJoin(group);
    }

    private void OnInitialDelayElapsed(ConsumerGroup group, int token, int remainingMs)
    {
        lock (group.Sync)
        {
            if (group.RebalanceToken != token || group.State != GroupState.PreparingRebalance)
            {
                return;
            }
            if (group.NewMemberAdded && remainingMs > 0)
            {
                group.NewMemberAdded = false;
                var delay = Math.Min(_options.InitialRebalanceDelayMs, remainingMs);
                var remaining = Math.Max(remainingMs - _options.InitialRebalanceDelayMs, 0);
                _scheduler.Schedule(NowMs + delay, () => OnInitialDelayElapsed(group, token, remaining));
                return;
            }
            group.InInitialDelay = false;
            CompleteJoin(group);
        }
    }

    private void OnRebalanceTimeout(ConsumerGroup group, int token)
    {
        lock (group.Sync)
        {
            if (group.RebalanceToken == token && group.State == GroupState.PreparingRebalance && !group.InInitialDelay)
            {
                CompleteJoin(group);
            }
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
            _ = PersistGroupInBackground(group);
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
        _scheduler.Schedule(now + group.MaxRebalanceTimeoutMs, () => OnSyncTimeout(group, generation));
    }

    private void OnSyncTimeout(ConsumerGroup group, int generation)
    {
        lock (group.Sync)
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
        GroupCoordinatorLog.MemberRemoved(_logger, group.GroupId, member.MemberId, reason);
    }

    private void ScheduleSessionExpiry(ConsumerGroup group, GroupMember member)
    {
        if (member.ExpiryScheduled)
        {
            return;
        }
        member.ExpiryScheduled = true;
        _scheduler.Schedule(member.HeartbeatDeadlineMs, () => CheckSessionExpiry(group, member));
    }

    /// <summary>
    /// Heartbeats only move the member's deadline; this check, queued at the old deadline,
    /// re-queues itself at the new one. A member waiting for a JoinGroup or SyncGroup response is
    /// kept alive (the rebalance and sync timeouts bound that wait).
    /// </summary>
    private void CheckSessionExpiry(ConsumerGroup group, GroupMember member)
    {
        lock (group.Sync)
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
        lock (group.Sync)
        {
            if (group.PendingMembers.Remove(memberId))
            {
                TryCompleteJoin(group);
            }
        }
    }

    public async Task<SyncGroupResult> SyncGroupAsync(SyncGroupParameters p, CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            return SyncGroupResult.Failure(ErrorCode.CoordinatorLoadInProgress);
        }
        if (string.IsNullOrEmpty(p.GroupId))
        {
            return SyncGroupResult.Failure(ErrorCode.InvalidGroupId);
        }
        if (!_groups.TryGetValue(p.GroupId, out var group))
        {
            return SyncGroupResult.Failure(ErrorCode.UnknownMemberId);
        }
        Task<SyncGroupResult> response;
        var generation = 0;
        var isLeader = false;
        lock (group.Sync)
        {
            if (group.State == GroupState.Dead)
            {
                return SyncGroupResult.Failure(ErrorCode.CoordinatorNotAvailable);
            }
            var error = ValidateMember(group, p.MemberId, p.GroupInstanceId);
            if (error != ErrorCode.None)
            {
                return SyncGroupResult.Failure(error);
            }
            if (p.GenerationId != group.Generation)
            {
                return SyncGroupResult.Failure(ErrorCode.IllegalGeneration);
            }
            if ((p.ProtocolType is not null && p.ProtocolType != group.ProtocolType) ||
                (p.ProtocolName is not null && p.ProtocolName != group.ProtocolName))
            {
                return SyncGroupResult.Failure(ErrorCode.InconsistentGroupProtocol);
            }
            var member = group.Members[p.MemberId];
            switch (group.State)
            {
                case GroupState.PreparingRebalance:
                    return SyncGroupResult.Failure(ErrorCode.RebalanceInProgress);
                case GroupState.Stable:
                    member.HeartbeatDeadlineMs = NowMs + member.SessionTimeoutMs;
                    return new SyncGroupResult(ErrorCode.None, group.ProtocolType, group.ProtocolName, member.Assignment);
                case GroupState.CompletingRebalance:
                    member.HeartbeatDeadlineMs = NowMs + member.SessionTimeoutMs;
                    group.PendingSyncMembers.Remove(member.MemberId);
                    member.AwaitingSync ??= new TaskCompletionSource<SyncGroupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                    response = member.AwaitingSync.Task;
                    isLeader = member.MemberId == group.LeaderId;
                    if (!isLeader)
                    {
                        break;
                    }
                    foreach (var m in group.Members.Values)
                    {
                        m.Assignment = p.Assignments.TryGetValue(m.MemberId, out var assignment) ? assignment : [];
                    }
                    generation = group.Generation;
                    break;
                default:
                    return SyncGroupResult.Failure(ErrorCode.UnknownMemberId);
            }
        }
        if (!isLeader)
        {
            return await response.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        // The leader's assignment is written to __consumer_offsets before anyone is told.
        Exception? failure = null;
        try
        {
            await PersistGroupAsync(group, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            GroupCoordinatorLog.Failure(_logger, ex, $"storing group {group.GroupId}");
        }
        lock (group.Sync)
        {
            if (group.State == GroupState.CompletingRebalance && group.Generation == generation)
            {
                if (failure is not null)
                {
                    ResetAndPropagateSyncError(group, ErrorCode.CoordinatorNotAvailable);
                    PrepareRebalance(group, "storing the assignment failed");
                }
                else
                {
                    group.TransitionTo(GroupState.Stable, NowMs);
                    group.PendingSyncMembers.Clear();
                    foreach (var m in group.Members.Values)
                    {
                        var awaiting = m.AwaitingSync;
                        m.AwaitingSync = null;
                        awaiting?.TrySetResult(new SyncGroupResult(ErrorCode.None, group.ProtocolType, group.ProtocolName, m.Assignment));
                    }
                    GroupCoordinatorLog.Stabilized(_logger, group.GroupId, group.Generation, group.Members.Count, group.ProtocolName);
                }
            }
        }
        return await response.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ErrorCode Heartbeat(string groupId, string memberId, string? groupInstanceId, int generationId)
    {
        if (!_loaded)
        {
            return ErrorCode.CoordinatorLoadInProgress;
        }
        if (string.IsNullOrEmpty(groupId))
        {
            return ErrorCode.InvalidGroupId;
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return ErrorCode.UnknownMemberId;
        }
        lock (group.Sync)
        {
            if (group.State == GroupState.Dead)
            {
                return ErrorCode.CoordinatorNotAvailable;
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
    }

    public Task<LeaveGroupResult> LeaveGroupAsync(string groupId, IReadOnlyList<LeaveGroupMember> members, CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        if (!_loaded)
        {
            return Task.FromResult(new LeaveGroupResult(ErrorCode.CoordinatorLoadInProgress, []));
        }
        if (string.IsNullOrEmpty(groupId))
        {
            return Task.FromResult(new LeaveGroupResult(ErrorCode.InvalidGroupId, []));
        }
        var errors = new ErrorCode[members.Count];
        if (!_groups.TryGetValue(groupId, out var group))
        {
            Array.Fill(errors, ErrorCode.UnknownMemberId);
            return Task.FromResult(new LeaveGroupResult(ErrorCode.None, errors));
        }
        lock (group.Sync)
        {
            if (group.State == GroupState.Dead)
            {
                return Task.FromResult(new LeaveGroupResult(ErrorCode.CoordinatorNotAvailable, []));
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
        }
        return Task.FromResult(new LeaveGroupResult(ErrorCode.None, errors));
    }

    /// <summary>Writes the group's current membership to __consumer_offsets (snapshot taken in log order).</summary>
    private Task PersistGroupAsync(ConsumerGroup group, CancellationToken cancellationToken) =>
        _log.AppendAsync(
            PartitionFor(group.GroupId),
            () =>
            {
                lock (group.Sync)
                {
                    return group.State == GroupState.Dead ? [] : [ConsumerOffsetsLog.GroupRecord(group)];
                }
            },
            null,
            cancellationToken);

    private async Task PersistGroupInBackground(ConsumerGroup group)
    {
        try
        {
            await PersistGroupAsync(group, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            GroupCoordinatorLog.Failure(_logger, ex, $"storing group {group.GroupId}");
        }
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        _meter.Dispose();
    }
}
