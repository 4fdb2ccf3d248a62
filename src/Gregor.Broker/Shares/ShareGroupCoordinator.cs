using Gregor.Broker.Groups;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Metadata;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Shares;

/// <summary>
/// Share group membership (KIP-932's ShareGroupHeartbeat / ShareGroupDescribe side of Kafka's group
/// coordinator) and the owner of every group's <see cref="SharePartition"/>s. Members join with epoch
/// 0 and a client-generated member id, heartbeat with the epoch they were last given, leave with −1,
/// and are removed after <see cref="ShareGroupOptions.SessionTimeoutMs"/> without a heartbeat. The
/// server-side <see cref="SimpleAssignor"/> recomputes the target assignment on every heartbeat
/// (so new partitions and subscriptions are picked up); a change bumps the group epoch, and each
/// member gets its new assignment and epoch with its next heartbeat. Share and classic groups share
/// one group-id namespace: a share heartbeat naming a classic group is GROUP_ID_NOT_FOUND, a classic
/// join naming a share group INCONSISTENT_GROUP_PROTOCOL (see <see cref="IsShareGroup"/>).
/// <para>
/// Not yet persisted: membership and share-partition state live in memory (a restarted broker
/// starts every share partition afresh from <see cref="ShareGroupOptions.AutoOffsetReset"/>).
/// </para>
/// Thread-safety: one lock over the groups; share partitions lock themselves. Member removal
/// callbacks (<see cref="MemberRemoved"/>) run outside the lock.
/// </summary>
public sealed class ShareGroupCoordinator : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ShareGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _groupConfigs = new(StringComparer.Ordinal);
    private readonly IMetadataPublisher _metadata;
    private readonly GroupCoordinator? _classicGroups;
    private readonly TimeProvider _time;
    private bool _disposed;

    public ShareGroupCoordinator(ShareGroupOptions options, IMetadataPublisher metadata, TimeProvider time, GroupCoordinator? classicGroups = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(time);
        Options = options;
        _metadata = metadata;
        _time = time;
        _classicGroups = classicGroups;
    }

    public ShareGroupOptions Options { get; }

    /// <summary>
    /// Called with (group id, member id, timed out) after a member left (false) or missed its session
    /// timeout (true), outside the lock.
    /// </summary>
    public event Action<string, string, bool>? MemberRemoved;

    /// <summary>True when <paramref name="groupId"/> names a share group (the classic coordinator refuses it).</summary>
    public bool IsShareGroup(string groupId)
    {
        lock (_lock)
        {
            return _groups.ContainsKey(groupId);
        }
    }

    /// <summary>True when <paramref name="memberId"/> is a member of share group <paramref name="groupId"/>.</summary>
    public bool IsMember(string groupId, string memberId)
    {
        lock (_lock)
        {
            return _groups.TryGetValue(groupId, out var group) && group.Members.ContainsKey(memberId);
        }
    }

    public async Task<ShareGroupHeartbeatResult> HeartbeatAsync(
        string groupId, string memberId, int memberEpoch, string? rackId, IReadOnlyList<string>? subscribedTopicNames,
        string clientId, string clientHost, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return ShareGroupHeartbeatResult.Failure(ErrorCode.InvalidRequest, "GroupId can't be empty.", memberId);
        }
        if (string.IsNullOrEmpty(memberId))
        {
            return ShareGroupHeartbeatResult.Failure(ErrorCode.InvalidRequest, "MemberId can't be empty.", memberId);
        }
        if (memberEpoch < -1)
        {
            return ShareGroupHeartbeatResult.Failure(ErrorCode.InvalidRequest, "MemberEpoch is invalid.", memberId);
        }
        if (memberEpoch == 0 && (subscribedTopicNames is null || subscribedTopicNames.Count == 0))
        {
            return ShareGroupHeartbeatResult.Failure(ErrorCode.InvalidRequest, "SubscribedTopicNames must be set in first request.", memberId);
        }
        if (memberEpoch == 0 && !IsShareGroup(groupId) && _classicGroups is not null)
        {
            var classic = await _classicGroups.DescribeGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
            if (classic.Exists)
            {
                return ShareGroupHeartbeatResult.Failure(ErrorCode.GroupIdNotFound, $"Group {groupId} is not a share group.", memberId);
            }
        }

        string? removed = null;
        ShareGroupHeartbeatResult result;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            _groups.TryGetValue(groupId, out var group);
            if (memberEpoch == -1)
            {
                if (group is null || !group.Members.Remove(memberId, out var leaving))
                {
                    return ShareGroupHeartbeatResult.Failure(ErrorCode.UnknownMemberId, $"Member {memberId} is not a member of group {groupId}.", memberId);
                }
                leaving.SessionTimer?.Dispose();
                Reassign(group);
                removed = memberId;
                result = new ShareGroupHeartbeatResult(ErrorCode.None, null, memberId, -1, 0, null);
            }
            else
            {
                ShareGroupMember? member = null;
                if (memberEpoch == 0)
                {
                    group ??= _groups[groupId] = new ShareGroup(groupId);
                    if (!group.Members.TryGetValue(memberId, out member))
                    {
                        if (group.Members.Count >= Options.MaxGroupSize)
                        {
                            return ShareGroupHeartbeatResult.Failure(ErrorCode.GroupMaxSizeReached, $"The share group has reached its maximum capacity of {Options.MaxGroupSize} members.", memberId);
                        }
                        member = new ShareGroupMember(memberId, clientId, clientHost);
                        group.Members[memberId] = member;
                        member.SessionTimer = _time.CreateTimer(static state => ((ShareGroupCoordinator)((object[])state!)[0]).ExpireMember((string)((object[])state!)[1], (string)((object[])state!)[2]),
                            new object[] { this, groupId, memberId }, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                    }
                    // A (re)join is told its assignment whatever it was sent before.
                    member.SentAssignment = null;
                }
                else if (group is null || !group.Members.TryGetValue(memberId, out member))
                {
                    return ShareGroupHeartbeatResult.Failure(ErrorCode.UnknownMemberId, $"Member {memberId} is not a member of group {groupId}.", memberId);
                }
                else if (memberEpoch != member.Epoch)
                {
                    return ShareGroupHeartbeatResult.Failure(ErrorCode.FencedMemberEpoch, $"The share group member has an invalid epoch {memberEpoch}; expected {member.Epoch}.", memberId);
                }
                member.RackId = rackId ?? member.RackId;
                if (subscribedTopicNames is not null)
                {
                    member.SubscribedTopicNames = [.. subscribedTopicNames.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
                }
                member.LastHeartbeatMs = now;
                member.SessionTimer?.Change(TimeSpan.FromMilliseconds(Options.SessionTimeoutMs), Timeout.InfiniteTimeSpan);
                Reassign(group);
                IReadOnlyList<TopicIdPartition>? assignment = null;
                if (member.SentAssignment is null || !member.SentAssignment.SequenceEqual(member.Assignment))
                {
                    member.Epoch = group.GroupEpoch;
                    member.SentAssignment = member.Assignment;
                    assignment = member.Assignment;
                }
                result = new ShareGroupHeartbeatResult(ErrorCode.None, null, memberId, member.Epoch, Options.HeartbeatIntervalMs, assignment);
            }
        }
        if (removed is not null)
        {
            MemberRemoved?.Invoke(groupId, removed, false);
        }
        return result;
    }

    /// <summary>Describes each group; unknown ones (and classic groups) are GROUP_ID_NOT_FOUND.</summary>
    public IReadOnlyList<ShareGroupDescription> Describe(IReadOnlyList<string> groupIds)
    {
        ArgumentNullException.ThrowIfNull(groupIds);
        var result = new List<ShareGroupDescription>(groupIds.Count);
        lock (_lock)
        {
            foreach (var id in groupIds)
            {
                if (!_groups.TryGetValue(id, out var group))
                {
                    result.Add(new ShareGroupDescription(ErrorCode.GroupIdNotFound, $"Group {id} not found.", id, ShareGroupState.Dead, 0, 0, []));
                    continue;
                }
                result.Add(new ShareGroupDescription(ErrorCode.None, null, id, group.State, group.GroupEpoch, group.AssignmentEpoch,
                    [.. group.Members.Values.Select(m => new ShareGroupMemberDescription(
                        m.MemberId, m.RackId, m.Epoch, m.ClientId, m.ClientHost, m.SubscribedTopicNames, m.Assignment))]));
            }
        }
        return result;
    }

    /// <summary>Every share group with its state (ListGroups).</summary>
    public IReadOnlyList<(string GroupId, ShareGroupState State)> List()
    {
        lock (_lock)
        {
            return [.. _groups.Values.Select(g => (g.GroupId, g.State))];
        }
    }

    /// <summary>
    /// Deletes an empty share group and its share-partition state. Null when no share group has this
    /// id (the classic coordinator decides); NON_EMPTY_GROUP while it has members.
    /// </summary>
    public ErrorCode? Delete(string groupId)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return null;
            }
            if (group.Members.Count > 0)
            {
                return ErrorCode.NonEmptyGroup;
            }
            _groups.Remove(groupId);
            _groupConfigs.Remove(groupId);
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// The share partition of <paramref name="groupId"/> for <paramref name="topicPartition"/>, created
    /// on first use at the offset <paramref name="initialOffset"/> chooses (from share.auto.offset.reset).
    /// Null when the group does not exist.
    /// </summary>
    public SharePartition? GetOrCreatePartition(string groupId, TopicPartition topicPartition, Func<string, long> initialOffset)
    {
        ArgumentNullException.ThrowIfNull(initialOffset);
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return null;
            }
            if (!group.Partitions.TryGetValue(topicPartition, out var partition))
            {
                var configs = _groupConfigs.GetValueOrDefault(groupId);
                var options = PartitionOptions(configs);
                var reset = configs?.GetValueOrDefault(GroupConfigKeys.ShareAutoOffsetReset.Name) ?? Options.AutoOffsetReset;
                partition = new SharePartition(options, _time, initialOffset(reset));
                group.Partitions[topicPartition] = partition;
            }
            return partition;
        }
    }

    /// <summary>The share partition of <paramref name="groupId"/> for <paramref name="topicPartition"/> if it was ever fetched, else null.</summary>
    public SharePartition? TryGetPartition(string groupId, TopicPartition topicPartition)
    {
        lock (_lock)
        {
            return _groups.TryGetValue(groupId, out var group) ? group.Partitions.GetValueOrDefault(topicPartition) : null;
        }
    }

    /// <summary>
    /// Applies GROUP-resource config changes (IncrementalAlterConfigs, or AlterConfigs replacing all
    /// when not <paramref name="incremental"/>) for <paramref name="groupId"/>, which need not exist
    /// yet: INVALID_CONFIG for an unknown key, a bad value or APPEND/SUBTRACT on a non-list key.
    /// New share partitions of the group use them; existing ones keep the settings they started with.
    /// Held in memory (not yet persisted).
    /// </summary>
    public (ErrorCode Error, string? Message) AlterConfigs(string groupId, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (string.IsNullOrEmpty(groupId))
        {
            return (ErrorCode.InvalidRequest, "Group id must not be empty.");
        }
        foreach (var change in changes)
        {
            if (GroupConfigKeys.Find(change.Name) is not { } key)
            {
                return (ErrorCode.InvalidConfig, $"Unknown group config name: {change.Name}");
            }
            if (change.Operation is ConfigOperation.Append or ConfigOperation.Subtract)
            {
                return (ErrorCode.InvalidConfig, $"Config value append is not allowed for config key: {change.Name}");
            }
            if (change.Operation == ConfigOperation.Set)
            {
                if (change.Value is null)
                {
                    return (ErrorCode.InvalidConfig, $"Null value not supported for : {change.Name}");
                }
                if (key.Validate(change.Value) is { } invalid)
                {
                    return (ErrorCode.InvalidConfig, invalid);
                }
            }
        }
        if (validateOnly)
        {
            return (ErrorCode.None, null);
        }
        lock (_lock)
        {
            if (!_groupConfigs.TryGetValue(groupId, out var configs) || !incremental)
            {
                configs = new Dictionary<string, string>(StringComparer.Ordinal);
                _groupConfigs[groupId] = configs;
            }
            foreach (var change in changes)
            {
                if (change.Operation == ConfigOperation.Delete)
                {
                    configs.Remove(change.Name);
                }
                else
                {
                    configs[change.Name] = change.Value!.Trim();
                }
            }
        }
        return (ErrorCode.None, null);
    }

    /// <summary>The GROUP configs set for <paramref name="groupId"/> (empty when none).</summary>
    public IReadOnlyDictionary<string, string> ConfigsOf(string groupId)
    {
        lock (_lock)
        {
            return _groupConfigs.TryGetValue(groupId, out var configs) ? new Dictionary<string, string>(configs, StringComparer.Ordinal) : new Dictionary<string, string>();
        }
    }

    /// <summary>The share partitions <paramref name="groupId"/> has state for (empty for an unknown group).</summary>
    public IReadOnlyList<(TopicPartition TopicPartition, SharePartition Partition)> PartitionsOf(string groupId)
    {
        lock (_lock)
        {
            return _groups.TryGetValue(groupId, out var group) ? [.. group.Partitions.Select(p => (p.Key, p.Value))] : [];
        }
    }

    /// <summary>The broker's share partition settings with the group's configs over them (values were validated when set).</summary>
    private SharePartitionOptions PartitionOptions(Dictionary<string, string>? configs)
    {
        var options = Options.Partition;
        if (configs is null)
        {
            return options;
        }
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        string? Value(ConfigKey key) => configs.GetValueOrDefault(key.Name);
        return options with
        {
            RecordLockDurationMs = Value(GroupConfigKeys.ShareRecordLockDurationMs) is { } lockMs ? long.Parse(lockMs, invariant) : options.RecordLockDurationMs,
            DeliveryCountLimit = Value(GroupConfigKeys.ShareDeliveryCountLimit) is { } limit ? int.Parse(limit, invariant) : options.DeliveryCountLimit,
            RetryBackoffMs = Value(GroupConfigKeys.GregorShareRetryBackoffMs) is { } backoff ? long.Parse(backoff, invariant) : options.RetryBackoffMs,
            RetryBackoffMaxMs = Value(GroupConfigKeys.GregorShareRetryBackoffMaxMs) is { } max ? long.Parse(max, invariant) : options.RetryBackoffMaxMs,
            RetryBackoffMultiplier = Value(GroupConfigKeys.GregorShareRetryBackoffMultiplier) is { } multiplier ? double.Parse(multiplier, invariant) : options.RetryBackoffMultiplier,
            RetryBackoffJitter = Value(GroupConfigKeys.GregorShareRetryBackoffJitter) is { } jitter ? double.Parse(jitter, invariant) : options.RetryBackoffJitter,
            RetryBackoffOnLockTimeout = Value(GroupConfigKeys.GregorShareRetryBackoffOnLockTimeout) is { } onTimeout ? bool.Parse(onTimeout) : options.RetryBackoffOnLockTimeout,
        };
    }

    private void ExpireMember(string groupId, string memberId)
    {
        lock (_lock)
        {
            if (_disposed || !_groups.TryGetValue(groupId, out var group) || !group.Members.TryGetValue(memberId, out var member))
            {
                return;
            }
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (now - member.LastHeartbeatMs < Options.SessionTimeoutMs)
            {
                return;
            }
            group.Members.Remove(memberId);
            member.SessionTimer?.Dispose();
            Reassign(group);
        }
        MemberRemoved?.Invoke(groupId, memberId, true);
    }

    private void Reassign(ShareGroup group)
    {
        var target = SimpleAssignor.Assign(group.Members.Values, _metadata.Current);
        var changed = false;
        foreach (var member in group.Members.Values)
        {
            var assignment = target[member.MemberId];
            if (!assignment.SequenceEqual(member.Assignment))
            {
                member.Assignment = assignment;
                changed = true;
            }
        }
        if (changed || group.GroupEpoch == 0)
        {
            group.GroupEpoch++;
            group.AssignmentEpoch = group.GroupEpoch;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (var member in _groups.Values.SelectMany(g => g.Members.Values))
            {
                member.SessionTimer?.Dispose();
            }
        }
    }
}
