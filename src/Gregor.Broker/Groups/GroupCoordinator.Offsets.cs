using System.Diagnostics;
using System.Text;
using Gregor.Broker.Groups.Records;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>Committed offsets, admin queries (list, describe, delete), loading and expiry.</summary>
public sealed partial class GroupCoordinator
{
    public const string ConsumerProtocolType = "consumer";

    /// <summary>
    /// Replays every <c>__consumer_offsets</c> partition, rebuilds groups and offsets, then starts
    /// serving and schedules the periodic offset expiry. Loaded members get a fresh session
    /// timeout: if they do not heartbeat they are removed, as after a Kafka coordinator failover.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var offsets = new Dictionary<string, Dictionary<TopicPartition, CommittedOffset>>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, GroupMetadataValue>(StringComparer.Ordinal);
        for (var partition = 0; partition < _options.OffsetsTopicPartitions; partition++)
        {
            await foreach (var record in _log.Store.ReadAllAsync(partition, cancellationToken).ConfigureAwait(false))
            {
                var key = GroupRecordKey.Read(record.Key);
                switch (key.Kind)
                {
                    case GroupRecordKind.OffsetCommit:
                        var k = key.Offset!;
                        if (!offsets.TryGetValue(k.Group, out var groupOffsets))
                        {
                            offsets[k.Group] = groupOffsets = [];
                        }
                        var tp = new TopicPartition(k.Topic, k.Partition);
                        if (record.Value is null)
                        {
                            groupOffsets.Remove(tp);
                        }
                        else
                        {
                            var v = OffsetCommitValue.Read(record.Value);
                            groupOffsets[tp] = new CommittedOffset(v.Offset, v.LeaderEpoch, v.Metadata, v.CommitTimestamp, v.ExpireTimestamp);
                        }
                        break;
                    case GroupRecordKind.GroupMetadata:
                        if (record.Value is null)
                        {
                            metadata.Remove(key.Group!.Group);
                        }
                        else
                        {
                            metadata[key.Group!.Group] = GroupMetadataValue.Read(record.Value);
                        }
                        break;
                }
            }
        }
        var now = NowMs;
        var offsetCount = 0;
        foreach (var groupId in offsets.Keys.Where(g => offsets[g].Count > 0).Union(metadata.Keys))
        {
            var group = new ConsumerGroup(groupId, now);
            lock (group.Sync)
            {
                if (metadata.TryGetValue(groupId, out var value))
                {
                    RestoreMembership(group, value, now);
                }
                if (offsets.TryGetValue(groupId, out var groupOffsets))
                {
                    foreach (var (tp, offset) in groupOffsets)
                    {
                        group.Offsets[tp] = offset;
                        offsetCount++;
                    }
                }
            }
            _groups[groupId] = group;
        }
        _loaded = true;
        GroupCoordinatorLog.Loaded(_logger, _groups.Count, offsetCount, stopwatch.ElapsedMilliseconds);
        ScheduleExpiry();
    }

    private void RestoreMembership(ConsumerGroup group, GroupMetadataValue value, long now)
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

    private void ScheduleExpiry()
    {
        _scheduler.Schedule(NowMs + _options.OffsetsRetentionCheckIntervalMs, () =>
        {
            _ = RunExpiryAsync();
            ScheduleExpiry();
        });
    }

    private async Task RunExpiryAsync()
    {
        try
        {
            await ExpireOffsetsAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            GroupCoordinatorLog.Failure(_logger, ex, "expiring offsets");
        }
    }

    public async Task<IReadOnlyList<ErrorCode>> CommitOffsetsAsync(OffsetCommitParameters p, CancellationToken cancellationToken)
    {
        var errors = new ErrorCode[p.Offsets.Count];
        ErrorCode FailAll(ErrorCode error)
        {
            Array.Fill(errors, error);
            return error;
        }
        if (!_loaded)
        {
            FailAll(ErrorCode.CoordinatorLoadInProgress);
            return errors;
        }
        if (string.IsNullOrEmpty(p.GroupId))
        {
            FailAll(ErrorCode.InvalidGroupId);
            return errors;
        }
        ConsumerGroup? group;
        if (p.GenerationId < 0)
        {
            // A commit outside group management (admin client, manual assignment) creates the group.
            group = _groups.GetOrAdd(p.GroupId, id => new ConsumerGroup(id, NowMs));
        }
        else if (!_groups.TryGetValue(p.GroupId, out group))
        {
            FailAll(ErrorCode.IllegalGeneration);
            return errors;
        }
        var now = NowMs;
        var expire = p.RetentionTimeMs >= 0 ? now + p.RetentionTimeMs : -1;
        var accepted = new List<(TopicPartition Key, CommittedOffset Offset)>(p.Offsets.Count);
        try
        {
            await _log.AppendAsync(
                PartitionFor(p.GroupId),
                () =>
                {
                    lock (group.Sync)
                    {
                        if (FailAll(ValidateOffsetCommit(group, p)) != ErrorCode.None)
                        {
                            return [];
                        }
                        var records = new List<GroupLogRecord>(p.Offsets.Count);
                        for (var i = 0; i < p.Offsets.Count; i++)
                        {
                            var entry = p.Offsets[i];
                            var metadata = entry.Metadata ?? string.Empty;
                            if (Encoding.UTF8.GetByteCount(metadata) > _options.OffsetMetadataMaxBytes)
                            {
                                errors[i] = ErrorCode.OffsetMetadataTooLarge;
                                continue;
                            }
                            var key = new TopicPartition(entry.Topic, entry.Partition);
                            var offset = new CommittedOffset(entry.Offset, entry.LeaderEpoch, metadata, now, expire);
                            accepted.Add((key, offset));
                            records.Add(ConsumerOffsetsLog.OffsetRecord(p.GroupId, key, offset));
                        }
                        return records;
                    }
                },
                () =>
                {
                    lock (group.Sync)
                    {
                        if (group.State == GroupState.Dead)
                        {
                            return;
                        }
                        foreach (var (key, offset) in accepted)
                        {
                            group.Offsets[key] = offset;
                        }
                        _offsetCommits.Add(accepted.Count);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            GroupCoordinatorLog.Failure(_logger, ex, $"committing offsets of group {p.GroupId}");
            for (var i = 0; i < errors.Length; i++)
            {
                if (errors[i] == ErrorCode.None)
                {
                    errors[i] = ErrorCode.CoordinatorNotAvailable;
                }
            }
        }
        return errors;
    }

    /// <summary>Kafka's ClassicGroup.validateOffsetCommit.</summary>
    private static ErrorCode ValidateOffsetCommit(ConsumerGroup group, OffsetCommitParameters p)
    {
        if (group.State == GroupState.Dead)
        {
            return ErrorCode.CoordinatorNotAvailable;
        }
        if (p.GenerationId < 0 && group.State == GroupState.Empty)
        {
            return ErrorCode.None;
        }
        if (p.GenerationId >= 0 || p.MemberId.Length > 0 || p.GroupInstanceId is not null)
        {
            var error = ValidateMember(group, p.MemberId, p.GroupInstanceId);
            if (error != ErrorCode.None)
            {
                return error;
            }
            if (p.GenerationId != group.Generation)
            {
                return ErrorCode.IllegalGeneration;
            }
        }
        else if (group.State != GroupState.Empty)
        {
            // Without member id and generation, commits are only accepted while the group is empty.
            return ErrorCode.UnknownMemberId;
        }
        if (group.State == GroupState.CompletingRebalance)
        {
            return ErrorCode.RebalanceInProgress;
        }
        return ErrorCode.None;
    }

    /// <summary>Committed offsets of a group; all of them when <paramref name="partitions"/> is null.</summary>
    public OffsetFetchResult FetchOffsets(string groupId, IReadOnlyList<TopicPartition>? partitions)
    {
        if (!_loaded)
        {
            return new OffsetFetchResult(ErrorCode.CoordinatorLoadInProgress, []);
        }
        _groups.TryGetValue(groupId, out var group);
        if (group is null)
        {
            return new OffsetFetchResult(ErrorCode.None, partitions is null ? [] : [.. partitions.Select(tp => new OffsetFetchPartition(tp.Topic, tp.Partition, null))]);
        }
        lock (group.Sync)
        {
            if (partitions is null)
            {
                return new OffsetFetchResult(ErrorCode.None, [.. group.Offsets
                    .OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition)
                    .Select(kv => new OffsetFetchPartition(kv.Key.Topic, kv.Key.Partition, kv.Value))]);
            }
            return new OffsetFetchResult(ErrorCode.None, [.. partitions.Select(tp => new OffsetFetchPartition(tp.Topic, tp.Partition, group.Offsets.GetValueOrDefault(tp)))]);
        }
    }

    /// <summary>Every live group, optionally only those in <paramref name="states"/>.</summary>
    public (ErrorCode Error, IReadOnlyList<GroupSummary> Groups) ListGroups(IReadOnlySet<GroupState>? states)
    {
        if (!_loaded)
        {
            return (ErrorCode.CoordinatorLoadInProgress, []);
        }
        var list = new List<GroupSummary>();
        foreach (var group in _groups.Values)
        {
            lock (group.Sync)
            {
                if (group.State != GroupState.Dead && (states is null || states.Count == 0 || states.Contains(group.State)))
                {
                    list.Add(new GroupSummary(group.GroupId, group.ProtocolType ?? string.Empty, group.State));
                }
            }
        }
        return (ErrorCode.None, list);
    }

    public GroupDescription DescribeGroup(string groupId)
    {
        if (!_loaded)
        {
            return new GroupDescription(ErrorCode.CoordinatorLoadInProgress, groupId, false, GroupState.Dead, string.Empty, string.Empty, []);
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return new GroupDescription(ErrorCode.None, groupId, false, GroupState.Dead, string.Empty, string.Empty, []);
        }
        lock (group.Sync)
        {
            var stable = group.State == GroupState.Stable;
            var protocol = stable ? group.ProtocolName ?? string.Empty : string.Empty;
            var members = group.Members.Values
                .Select(m => new GroupMemberDescription(
                    m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
                    stable ? m.MetadataFor(protocol) : [],
                    stable ? m.Assignment : []))
                .ToList();
            return new GroupDescription(ErrorCode.None, groupId, group.State != GroupState.Dead, group.State, group.ProtocolType ?? string.Empty, protocol, members);
        }
    }

    /// <summary>Deletes an empty group and its offsets (tombstones for each): GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP otherwise.</summary>
    public async Task<ErrorCode> DeleteGroupAsync(string groupId, CancellationToken cancellationToken)
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
            return ErrorCode.GroupIdNotFound;
        }
        var result = ErrorCode.None;
        await _log.AppendAsync(
            PartitionFor(groupId),
            () =>
            {
                lock (group.Sync)
                {
                    if (group.State == GroupState.Dead)
                    {
                        result = ErrorCode.GroupIdNotFound;
                        return [];
                    }
                    if (group.State != GroupState.Empty)
                    {
                        result = ErrorCode.NonEmptyGroup;
                        return [];
                    }
                    return [.. TombstonesFor(group)];
                }
            },
            () =>
            {
                if (result == ErrorCode.None)
                {
                    lock (group.Sync)
                    {
                        MarkDead(group);
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static List<GroupLogRecord> TombstonesFor(ConsumerGroup group)
    {
        var records = group.Offsets.Keys.Select(tp => ConsumerOffsetsLog.OffsetTombstone(group.GroupId, tp)).ToList();
        records.Add(ConsumerOffsetsLog.GroupTombstone(group.GroupId));
        return records;
    }

    private void MarkDead(ConsumerGroup group)
    {
        group.TransitionTo(GroupState.Dead, NowMs);
        group.Offsets.Clear();
        _groups.TryRemove(new KeyValuePair<string, ConsumerGroup>(group.GroupId, group));
    }

    /// <summary>
    /// OffsetDelete: removes committed offsets of partitions the group no longer consumes.
    /// GROUP_SUBSCRIBED_TO_TOPIC for topics a live consumer-protocol member subscribes to;
    /// NON_EMPTY_GROUP when a live group uses another protocol type.
    /// </summary>
    public async Task<PartitionErrorsResult> DeleteOffsetsAsync(string groupId, IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            return new PartitionErrorsResult(ErrorCode.CoordinatorLoadInProgress, []);
        }
        if (string.IsNullOrEmpty(groupId))
        {
            return new PartitionErrorsResult(ErrorCode.InvalidGroupId, []);
        }
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return new PartitionErrorsResult(ErrorCode.GroupIdNotFound, []);
        }
        var top = ErrorCode.None;
        var errors = new ErrorCode[partitions.Count];
        var deleted = new List<TopicPartition>();
        await _log.AppendAsync(
            PartitionFor(groupId),
            () =>
            {
                lock (group.Sync)
                {
                    if (group.State == GroupState.Dead)
                    {
                        top = ErrorCode.GroupIdNotFound;
                        return [];
                    }
                    HashSet<string>? subscribed = null;
                    if (group.State != GroupState.Empty)
                    {
                        if (group.ProtocolType != ConsumerProtocolType)
                        {
                            top = ErrorCode.NonEmptyGroup;
                            return [];
                        }
                        subscribed = SubscribedTopics(group);
                    }
                    var records = new List<GroupLogRecord>();
                    for (var i = 0; i < partitions.Count; i++)
                    {
                        var tp = partitions[i];
                        if (subscribed is not null && subscribed.Contains(tp.Topic))
                        {
                            errors[i] = ErrorCode.GroupSubscribedToTopic;
                            continue;
                        }
                        if (group.Offsets.ContainsKey(tp) && !deleted.Contains(tp))
                        {
                            deleted.Add(tp);
                            records.Add(ConsumerOffsetsLog.OffsetTombstone(groupId, tp));
                        }
                    }
                    return records;
                }
            },
            () =>
            {
                lock (group.Sync)
                {
                    foreach (var tp in deleted)
                    {
                        group.Offsets.Remove(tp);
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        return top == ErrorCode.None ? new PartitionErrorsResult(ErrorCode.None, errors) : new PartitionErrorsResult(top, []);
    }

    /// <summary>Topics the members subscribe to, read from their consumer-protocol metadata for the chosen protocol.</summary>
    private static HashSet<string> SubscribedTopics(ConsumerGroup group)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        if (group.ProtocolName is null)
        {
            return topics;
        }
        foreach (var member in group.Members.Values)
        {
            foreach (var topic in ConsumerProtocolSubscriptionReader.ReadTopics(member.MetadataFor(group.ProtocolName)))
            {
                topics.Add(topic);
            }
        }
        return topics;
    }

    /// <summary>
    /// Kafka's expiry rule: an offset with an explicit expire timestamp (old clients) expires then;
    /// otherwise, in an Empty group that used group management, offsets expire
    /// offsets.retention.minutes after the group became empty; in a group without a protocol
    /// type (manual assignment), and in a Stable consumer group for topics no member subscribes
    /// to any more, each offset expires that long after its commit. An Empty group
    /// left without offsets is removed (tombstone). Returns the number of offsets expired.
    /// </summary>
    public async Task<int> ExpireOffsetsAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            return 0;
        }
        var expiredTotal = 0;
        var groupsRemoved = 0;
        foreach (var group in _groups.Values)
        {
            var expired = new List<TopicPartition>();
            var removeGroup = false;
            await _log.AppendAsync(
                PartitionFor(group.GroupId),
                () =>
                {
                    lock (group.Sync)
                    {
                        if (group.State == GroupState.Dead)
                        {
                            return [];
                        }
                        var now = NowMs;
                        var retention = _options.OffsetsRetentionMs;
                        // A stable consumer group keeps offsets only for topics it still subscribes to.
                        var subscribed = group.State == GroupState.Stable && group.ProtocolType == ConsumerProtocolType
                            ? SubscribedTopics(group)
                            : null;
                        foreach (var (tp, offset) in group.Offsets)
                        {
                            bool isExpired;
                            if (offset.ExpireTimestampMs >= 0)
                            {
                                isExpired = now >= offset.ExpireTimestampMs;
                            }
                            else if (group.State == GroupState.Empty && group.ProtocolType is not null)
                            {
                                isExpired = now >= group.CurrentStateTimestampMs + retention;
                            }
                            else if (group.ProtocolType is null || (subscribed is not null && !subscribed.Contains(tp.Topic)))
                            {
                                isExpired = now >= offset.CommitTimestampMs + retention;
                            }
                            else
                            {
                                isExpired = false;
                            }
                            if (isExpired)
                            {
                                expired.Add(tp);
                            }
                        }
                        var records = expired.Select(tp => ConsumerOffsetsLog.OffsetTombstone(group.GroupId, tp)).ToList();
                        removeGroup = group.State == GroupState.Empty && group.Members.Count == 0 && group.Offsets.Count == expired.Count;
                        if (removeGroup)
                        {
                            records.Add(ConsumerOffsetsLog.GroupTombstone(group.GroupId));
                        }
                        return records;
                    }
                },
                () =>
                {
                    lock (group.Sync)
                    {
                        foreach (var tp in expired)
                        {
                            group.Offsets.Remove(tp);
                        }
                        if (removeGroup && group.State == GroupState.Empty && group.Offsets.Count == 0)
                        {
                            MarkDead(group);
                        }
                    }
                },
                cancellationToken).ConfigureAwait(false);
            expiredTotal += expired.Count;
            groupsRemoved += removeGroup ? 1 : 0;
        }
        if (expiredTotal > 0 || groupsRemoved > 0)
        {
            _offsetsExpired.Add(expiredTotal);
            GroupCoordinatorLog.Expired(_logger, expiredTotal, groupsRemoved);
        }
        return expiredTotal;
    }
}
