using System.Text;
using Gregor.Broker.Coordinator;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>
/// Committed offsets for one shard (Kafka's OffsetMetadataManager): OffsetCommit, OffsetFetch,
/// OffsetDelete and retention. Writes only decide: they return the offset records (or
/// tombstones) and the shard's <see cref="GroupCoordinatorShard.Replay"/> applies them once
/// they were appended, so a failed append changes nothing. Runs on the shard's event loop.
/// </summary>
internal sealed class OffsetManager(GroupCoordinatorShard shard)
{
    private const string ExpiryTimerKey = "expire-offsets";

    /// <summary>
    /// Validates the commit against the group (Kafka's ClassicGroup.validateOffsetCommit) and
    /// returns one record per accepted partition; <paramref name="errors"/> (one per entry) gets
    /// the refusals. A commit with generation -1 (admin client, manual assignment) to an unknown
    /// group creates the group when its records are replayed.
    /// </summary>
    public CoordinatorResult<IReadOnlyList<ErrorCode>, GroupLogRecord> Commit(OffsetCommitParameters p, ErrorCode[] errors)
    {
        var group = shard.Find(p.GroupId);
        if (group is null && p.GenerationId >= 0)
        {
            Array.Fill(errors, ErrorCode.IllegalGeneration);
            return new([], errors);
        }
        var error = group is null ? ErrorCode.None : ValidateOffsetCommit(group, p);
        if (error != ErrorCode.None)
        {
            Array.Fill(errors, error);
            return new([], errors);
        }
        var now = shard.NowMs;
        var expire = p.RetentionTimeMs >= 0 ? now + p.RetentionTimeMs : -1;
        var records = new List<GroupLogRecord>(p.Offsets.Count);
        for (var i = 0; i < p.Offsets.Count; i++)
        {
            var entry = p.Offsets[i];
            var metadata = entry.Metadata ?? string.Empty;
            if (Encoding.UTF8.GetByteCount(metadata) > shard.Options.OffsetMetadataMaxBytes)
            {
                errors[i] = ErrorCode.OffsetMetadataTooLarge;
                continue;
            }
            var offset = new CommittedOffset(entry.Offset, entry.LeaderEpoch, metadata, now, expire);
            records.Add(GroupRecords.OffsetRecord(p.GroupId, new TopicPartition(entry.Topic, entry.Partition), offset));
        }
        var committed = records.Count;
        return new(records, errors) { OnAppended = () => shard.Metrics.OffsetCommits.Add(committed) };
    }

    /// <summary>Kafka's ClassicGroup.validateOffsetCommit.</summary>
    private static ErrorCode ValidateOffsetCommit(ConsumerGroup group, OffsetCommitParameters p)
    {
        if (p.GenerationId < 0 && group.State == GroupState.Empty)
        {
            return ErrorCode.None;
        }
        if (p.GenerationId >= 0 || p.MemberId.Length > 0 || p.GroupInstanceId is not null)
        {
            var error = ClassicGroupMembership.ValidateMember(group, p.MemberId, p.GroupInstanceId);
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
    public OffsetFetchResult Fetch(string groupId, IReadOnlyList<TopicPartition>? partitions)
    {
        if (shard.Find(groupId) is not { } group)
        {
            return new OffsetFetchResult(ErrorCode.None, partitions is null ? [] : [.. partitions.Select(tp => new OffsetFetchPartition(tp.Topic, tp.Partition, null))]);
        }
        if (partitions is null)
        {
            return new OffsetFetchResult(ErrorCode.None, [.. group.Offsets
                .OrderBy(kv => kv.Key.Topic, StringComparer.Ordinal).ThenBy(kv => kv.Key.Partition)
                .Select(kv => new OffsetFetchPartition(kv.Key.Topic, kv.Key.Partition, kv.Value))]);
        }
        return new OffsetFetchResult(ErrorCode.None, [.. partitions.Select(tp => new OffsetFetchPartition(tp.Topic, tp.Partition, group.Offsets.GetValueOrDefault(tp)))]);
    }

    /// <summary>
    /// OffsetDelete: tombstones for the committed offsets of partitions the group no longer
    /// consumes. GROUP_SUBSCRIBED_TO_TOPIC for topics a live consumer-protocol member subscribes
    /// to; NON_EMPTY_GROUP when a live group uses another protocol type.
    /// </summary>
    public CoordinatorResult<PartitionErrorsResult, GroupLogRecord> Delete(string groupId, IReadOnlyList<TopicPartition> partitions)
    {
        if (shard.Find(groupId) is not { } group)
        {
            return new([], new PartitionErrorsResult(ErrorCode.GroupIdNotFound, []));
        }
        HashSet<string>? subscribed = null;
        if (group.State != GroupState.Empty)
        {
            if (group.ProtocolType != GroupCoordinatorShard.ConsumerProtocolType)
            {
                return new([], new PartitionErrorsResult(ErrorCode.NonEmptyGroup, []));
            }
            subscribed = SubscribedTopics(group);
        }
        var errors = new ErrorCode[partitions.Count];
        var deleted = new HashSet<TopicPartition>();
        var records = new List<GroupLogRecord>();
        for (var i = 0; i < partitions.Count; i++)
        {
            var tp = partitions[i];
            if (subscribed is not null && subscribed.Contains(tp.Topic))
            {
                errors[i] = ErrorCode.GroupSubscribedToTopic;
                continue;
            }
            if (group.Offsets.ContainsKey(tp) && deleted.Add(tp))
            {
                records.Add(GroupRecords.OffsetTombstone(groupId, tp));
            }
        }
        return new(records, new PartitionErrorsResult(ErrorCode.None, errors));
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

    /// <summary>Runs <see cref="Expire"/> every offsets.retention.check.interval.ms, as a timer of this shard.</summary>
    public void ScheduleExpiry() =>
        shard.ScheduleTimerOperation(ExpiryTimerKey, shard.Options.OffsetsRetentionCheckIntervalMs, () =>
        {
            ScheduleExpiry();
            var expiry = Expire();
            return new CoordinatorResult<ValueTuple, GroupLogRecord>(expiry.Records, default) { OnAppended = expiry.OnAppended };
        });

    /// <summary>
    /// Kafka's expiry rule: an offset with an explicit expire timestamp (old clients) expires then;
    /// otherwise, in an Empty group that used group management, offsets expire
    /// offsets.retention.minutes after the group became empty; in a group without a protocol
    /// type (manual assignment), and in a Stable consumer group for topics no member subscribes
    /// to any more, each offset expires that long after its commit. An Empty group left without
    /// offsets is removed (tombstone). The response is the number of offsets expired.
    /// </summary>
    public CoordinatorResult<int, GroupLogRecord> Expire()
    {
        var now = shard.NowMs;
        var retention = shard.Options.OffsetsRetentionMs;
        var records = new List<GroupLogRecord>();
        var expiredTotal = 0;
        var groupsRemoved = 0;
        foreach (var group in shard.Groups)
        {
            // A stable consumer group keeps offsets only for topics it still subscribes to.
            var subscribed = group.State == GroupState.Stable && group.ProtocolType == GroupCoordinatorShard.ConsumerProtocolType
                ? SubscribedTopics(group)
                : null;
            var expired = 0;
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
                    records.Add(GroupRecords.OffsetTombstone(group.GroupId, tp));
                    expired++;
                }
            }
            expiredTotal += expired;
            if (group.State == GroupState.Empty && group.Members.Count == 0 && group.Offsets.Count == expired)
            {
                records.Add(GroupRecords.GroupTombstone(group.GroupId));
                groupsRemoved++;
            }
        }
        return new(records, expiredTotal)
        {
            OnAppended = () =>
            {
                if (expiredTotal > 0 || groupsRemoved > 0)
                {
                    shard.Metrics.OffsetsExpired.Add(expiredTotal);
                    GroupCoordinatorLog.Expired(shard.Logger, shard.Partition, expiredTotal, groupsRemoved);
                }
            },
        };
    }
}
