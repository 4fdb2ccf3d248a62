using Gregor.Broker.Coordinator;
using Gregor.Broker.Groups.Records;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Groups;

/// <summary>
/// The group coordinator's state for one <c>__consumer_offsets</c> partition: the classic groups
/// whose ids hash to it and their committed offsets. <see cref="Replay"/> rebuilds it from the
/// partition on load (offset commits, group metadata, tombstones) and applies the records of
/// offset commits, deletions and expiry after they were appended. The operations live in
/// <see cref="Membership"/> (join, sync, heartbeat, leave, rebalance) and <see cref="Offsets"/>
/// (commit, fetch, delete, expire); list, describe and delete of whole groups are here.
/// Lifecycle: created and loaded by the <see cref="CoordinatorRuntime{TShard, TRecord}"/>,
/// dropped on unload. Thread-safety: none needed, every call runs on the partition's event loop
/// (only the two counts are read by the metrics thread).
/// </summary>
internal sealed class GroupCoordinatorShard : ICoordinatorShard<GroupLogRecord>
{
    public const string ConsumerProtocolType = "consumer";

    private readonly Dictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private const string PersistGroupsTimerKey = "persist-groups";

    private readonly List<GroupLogRecord> _pendingRecords = [];
    private readonly HashSet<ConsumerGroup> _groupsToPersist = [];
    private readonly CoordinatorTimer<GroupLogRecord> _timer;
    private readonly TimeProvider _time;

    /// <summary>Group metadata seen while loading, applied in <see cref="OnLoaded"/>; null once loaded.</summary>
    private Dictionary<string, GroupMetadataValue>? _loadingMetadata = new(StringComparer.Ordinal);

    public GroupCoordinatorShard(CoordinatorShardContext<GroupLogRecord> context, GroupCoordinatorOptions options, GroupCoordinatorMetrics metrics, ILogger logger)
    {
        Partition = context.Partition;
        _timer = context.Timer;
        _time = context.Time;
        Options = options;
        Metrics = metrics;
        Logger = logger;
        Membership = new ClassicGroupMembership(this);
        Offsets = new OffsetManager(this);
    }

    public int Partition { get; }
    public GroupCoordinatorOptions Options { get; }
    public GroupCoordinatorMetrics Metrics { get; }
    public ILogger Logger { get; }
    public ClassicGroupMembership Membership { get; }
    public OffsetManager Offsets { get; }
    public long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();
    public int GroupCount => _groups.Count;
    public int TimerCount => _timer.Count;
    public IEnumerable<ConsumerGroup> Groups => _groups.Values;

    public ConsumerGroup? Find(string groupId) => _groups.GetValueOrDefault(groupId);

    public ConsumerGroup GetOrCreate(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            _groups[groupId] = group = new ConsumerGroup(groupId, NowMs);
        }
        return group;
    }

    /// <summary>Deleted or expired: the group is gone and timers that still hold it do nothing.</summary>
    public void MarkDead(ConsumerGroup group)
    {
        group.TransitionTo(GroupState.Dead, NowMs);
        group.Offsets.Clear();
        _groups.Remove(group.GroupId);
    }

    /// <summary>Queues the group's membership snapshot for the current operation's append (Kafka's classic group records are not replayed: memory is already ahead).</summary>
    public void PersistGroup(ConsumerGroup group) => _pendingRecords.Add(GroupRecords.GroupRecord(group));

    /// <summary>The result of a membership operation: its response and the group snapshots it queued.</summary>
    public CoordinatorResult<TResponse, GroupLogRecord> MembershipResult<TResponse>(TResponse response, Action<Exception>? onAppendFailed = null, Action? onAppended = null) =>
        new(TakePendingRecords(), response)
        {
            ReplayRecords = false,
            OnAppendFailed = onAppendFailed,
            OnAppended = onAppended,
        };

    /// <summary>
    /// Stores the group's snapshot in a write of its own, right after the current operation (a
    /// group that became empty: the operation that emptied it answers whether or not the
    /// snapshot could be written, as before; a failure is logged). The snapshot is taken when
    /// that write runs, so it is never older than one written before it.
    /// </summary>
    public void PersistGroupLater(ConsumerGroup group)
    {
        _groupsToPersist.Add(group);
        _timer.Schedule(PersistGroupsTimerKey, 0, () =>
        {
            var records = _groupsToPersist
                .Where(g => g.State != GroupState.Dead && Find(g.GroupId) == g)
                .Select(GroupRecords.GroupRecord)
                .ToList();
            _groupsToPersist.Clear();
            return new CoordinatorResult<ValueTuple, GroupLogRecord>(records, default) { ReplayRecords = false };
        });
    }

    /// <summary>Schedules <paramref name="action"/> as a timer operation; the group snapshots it queues are appended with it.</summary>
    public void ScheduleTimer(string key, long delayMs, Action action) =>
        _timer.Schedule(key, delayMs, () =>
        {
            action();
            return MembershipResult(default(ValueTuple));
        });

    /// <summary>Schedules a timer operation that builds its own result (offset expiry, whose records are replayed).</summary>
    public void ScheduleTimerOperation(string key, long delayMs, Func<CoordinatorResult<ValueTuple, GroupLogRecord>> operation) =>
        _timer.Schedule(key, delayMs, operation);

    public void CancelTimer(string key) => _timer.Cancel(key);

    private IReadOnlyList<GroupLogRecord> TakePendingRecords()
    {
        if (_pendingRecords.Count == 0)
        {
            return [];
        }
        GroupLogRecord[] records = [.. _pendingRecords];
        _pendingRecords.Clear();
        return records;
    }

    public void Replay(GroupLogRecord record)
    {
        var key = GroupRecordKey.Read(record.Key);
        switch (key.Kind)
        {
            case GroupRecordKind.OffsetCommit:
                var k = key.Offset!;
                var tp = new TopicPartition(k.Topic, k.Partition);
                if (record.Value is null)
                {
                    Find(k.Group)?.Offsets.Remove(tp);
                }
                else
                {
                    var v = OffsetCommitValue.Read(record.Value);
                    GetOrCreate(k.Group).Offsets[tp] = new CommittedOffset(v.Offset, v.LeaderEpoch, v.Metadata, v.CommitTimestamp, v.ExpireTimestamp);
                }
                break;
            case GroupRecordKind.GroupMetadata:
                var groupId = key.Group!.Group;
                if (_loadingMetadata is not null)
                {
                    if (record.Value is null)
                    {
                        _loadingMetadata.Remove(groupId);
                    }
                    else
                    {
                        _loadingMetadata[groupId] = GroupMetadataValue.Read(record.Value);
                    }
                }
                else if (record.Value is null && Find(groupId) is { Members.Count: 0, Offsets.Count: 0 } group)
                {
                    // Live, only tombstones are replayed (deletion, expiry), after the offsets' tombstones.
                    MarkDead(group);
                }
                break;
        }
    }

    /// <summary>
    /// Builds the groups: the last metadata of each group (members restored as after a Kafka
    /// coordinator failover: a fresh session timeout, removed unless they heartbeat), groups
    /// without metadata kept only while they have offsets; then starts the offset expiry.
    /// </summary>
    public void OnLoaded()
    {
        var metadata = _loadingMetadata!;
        _loadingMetadata = null;
        var now = NowMs;
        foreach (var group in _groups.Values.Where(g => g.Offsets.Count == 0 && !metadata.ContainsKey(g.GroupId)).ToList())
        {
            _groups.Remove(group.GroupId);
        }
        foreach (var (groupId, value) in metadata)
        {
            Membership.Restore(GetOrCreate(groupId), value, now);
        }
        Offsets.ScheduleExpiry();
        GroupCoordinatorLog.Loaded(Logger, Partition, _groups.Count, _groups.Values.Sum(g => g.Offsets.Count));
    }

    public void OnUnloaded() => Membership.OnUnloaded();

    /// <summary>Every live group, optionally only those in <paramref name="states"/>.</summary>
    public IReadOnlyList<GroupSummary> ListGroups(IReadOnlySet<GroupState>? states) =>
        [.. _groups.Values
            .Where(g => states is null || states.Count == 0 || states.Contains(g.State))
            .Select(g => new GroupSummary(g.GroupId, g.ProtocolType ?? string.Empty, g.State))];

    public GroupDescription DescribeGroup(string groupId)
    {
        if (Find(groupId) is not { } group)
        {
            return new GroupDescription(ErrorCode.None, groupId, false, GroupState.Dead, string.Empty, string.Empty, []);
        }
        var stable = group.State == GroupState.Stable;
        var protocol = stable ? group.ProtocolName ?? string.Empty : string.Empty;
        var members = group.Members.Values
            .Select(m => new GroupMemberDescription(
                m.MemberId, m.GroupInstanceId, m.ClientId, m.ClientHost,
                stable ? m.MetadataFor(protocol) : [],
                stable ? m.Assignment : []))
            .ToList();
        return new GroupDescription(ErrorCode.None, groupId, true, group.State, group.ProtocolType ?? string.Empty, protocol, members);
    }

    /// <summary>Deletes an empty group and its offsets (a tombstone for each, replayed once appended): GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP otherwise.</summary>
    public CoordinatorResult<ErrorCode, GroupLogRecord> DeleteGroup(string groupId)
    {
        if (Find(groupId) is not { } group)
        {
            return new([], ErrorCode.GroupIdNotFound);
        }
        if (group.State != GroupState.Empty)
        {
            return new([], ErrorCode.NonEmptyGroup);
        }
        var records = group.Offsets.Keys.Select(tp => GroupRecords.OffsetTombstone(groupId, tp)).ToList();
        records.Add(GroupRecords.GroupTombstone(groupId));
        return new(records, ErrorCode.None);
    }
}
