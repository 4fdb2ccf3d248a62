using System.Diagnostics.Metrics;
using Gregor.Broker.Coordinator;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Groups;

/// <summary>
/// The classic consumer-group coordinator as the handlers see it (Kafka's GroupCoordinatorService):
/// validates what needs no state, routes each request to the shard of the group's
/// <c>__consumer_offsets</c> partition on the <see cref="CoordinatorRuntime{TShard, TRecord}"/>,
/// and turns the runtime's errors (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
/// COORDINATOR_NOT_AVAILABLE) into each API's result. The state and the rules live in
/// <see cref="GroupCoordinatorShard"/>, <see cref="ClassicGroupMembership"/> and <see cref="OffsetManager"/>.
/// Lifecycle: construct (no I/O), <see cref="StartAsync"/> loads every partition (requests
/// answer COORDINATOR_LOAD_IN_PROGRESS while one loads), <see cref="StopAsync"/> unloads them.
/// Thread-safe.
/// </summary>
public sealed class GroupCoordinator : IAsyncDisposable
{
    private readonly CoordinatorRuntime<GroupCoordinatorShard, GroupLogRecord> _runtime;
    private readonly GroupCoordinatorMetrics _metrics;

    public GroupCoordinator(GroupCoordinatorOptions options, ICoordinatorLog<GroupLogRecord> log, TimeProvider time, ILogger<GroupCoordinator>? logger = null, CoordinatorRuntimeOptions? runtimeOptions = null, IMeterFactory? meterFactory = null)
    {
        Options = options;
        var effectiveLogger = (ILogger?)logger ?? NullLogger.Instance;
        _metrics = new GroupCoordinatorMetrics(meterFactory, () => _runtime!.ActiveShards);
        _runtime = new CoordinatorRuntime<GroupCoordinatorShard, GroupLogRecord>(
            runtimeOptions ?? new CoordinatorRuntimeOptions { Name = "group" },
            log,
            context => new GroupCoordinatorShard(context, options, _metrics, effectiveLogger),
            time,
            effectiveLogger,
            meterFactory);
    }

    public GroupCoordinatorOptions Options { get; }

    public int PartitionFor(string groupId) => GroupPartitioner.PartitionFor(groupId, Options.OffsetsTopicPartitions);

    /// <summary>Timers held by the shard of <paramref name="groupId"/> (tests check they stay bounded).</summary>
    internal int PendingTimersOf(string groupId) => _runtime.TimerCount(PartitionFor(groupId));

    /// <summary>
    /// Loads every <c>__consumer_offsets</c> partition: a single node coordinates them all. The
    /// entry point of the node lifecycle's "load coordinators" step.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Options.OffsetsTopicPartitions).Select(p => LoadPartitionAsync(p, 0, cancellationToken)));

    /// <summary>Becomes coordinator of one partition (leader election of that partition); completes when it is replayed.</summary>
    public Task LoadPartitionAsync(int partition, int leaderEpoch, CancellationToken cancellationToken) =>
        _runtime.LoadAsync(partition, leaderEpoch, cancellationToken);

    /// <summary>Stops coordinating one partition (resignation): its groups answer NOT_COORDINATOR.</summary>
    public Task UnloadPartitionAsync(int partition, int leaderEpoch) => _runtime.UnloadAsync(partition, leaderEpoch);

    /// <summary>Unloads every partition; waiting members are told NOT_COORDINATOR.</summary>
    public ValueTask StopAsync() => _runtime.DisposeAsync();

    public async Task<JoinGroupResult> JoinGroupAsync(JoinGroupParameters p, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(p.GroupId))
        {
            return JoinGroupResult.Failure(ErrorCode.InvalidGroupId, p.MemberId);
        }
        var response = await _runtime.ScheduleWriteOperation(
            "classic-group-join",
            PartitionFor(p.GroupId),
            shard => shard.Membership.Join(p),
            error => Task.FromResult(JoinGroupResult.Failure(error, p.MemberId))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await response.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SyncGroupResult> SyncGroupAsync(SyncGroupParameters p, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(p.GroupId))
        {
            return SyncGroupResult.Failure(ErrorCode.InvalidGroupId);
        }
        var response = await _runtime.ScheduleWriteOperation(
            "classic-group-sync",
            PartitionFor(p.GroupId),
            shard => shard.Membership.Sync(p),
            error => Task.FromResult(SyncGroupResult.Failure(error))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await response.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<ErrorCode> HeartbeatAsync(string groupId, string memberId, string? groupInstanceId, int generationId)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return Task.FromResult(ErrorCode.InvalidGroupId);
        }
        return _runtime.ScheduleWriteOperation(
            "classic-group-heartbeat",
            PartitionFor(groupId),
            shard => new CoordinatorResult<ErrorCode, GroupLogRecord>([], shard.Membership.Heartbeat(groupId, memberId, groupInstanceId, generationId)),
            error => error);
    }

    public Task<LeaveGroupResult> LeaveGroupAsync(string groupId, IReadOnlyList<LeaveGroupMember> members, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return Task.FromResult(new LeaveGroupResult(ErrorCode.InvalidGroupId, []));
        }
        return _runtime.ScheduleWriteOperation(
            "classic-group-leave",
            PartitionFor(groupId),
            shard => shard.Membership.Leave(groupId, members),
            error => new LeaveGroupResult(error, [])).WaitAsync(cancellationToken);
    }

    public Task<IReadOnlyList<ErrorCode>> CommitOffsetsAsync(OffsetCommitParameters p, CancellationToken cancellationToken)
    {
        var errors = new ErrorCode[p.Offsets.Count];
        if (string.IsNullOrEmpty(p.GroupId))
        {
            Array.Fill(errors, ErrorCode.InvalidGroupId);
            return Task.FromResult<IReadOnlyList<ErrorCode>>(errors);
        }
        return _runtime.ScheduleWriteOperation(
            "commit-offset",
            PartitionFor(p.GroupId),
            shard => shard.Offsets.Commit(p, errors),
            error =>
            {
                // Partitions refused for their own reason (metadata too large) keep that error.
                for (var i = 0; i < errors.Length; i++)
                {
                    if (errors[i] == ErrorCode.None)
                    {
                        errors[i] = error;
                    }
                }
                return errors;
            }).WaitAsync(cancellationToken);
    }

    /// <summary>Committed offsets of a group; all of them when <paramref name="partitions"/> is null.</summary>
    public Task<OffsetFetchResult> FetchOffsetsAsync(string groupId, IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken) =>
        _runtime.ScheduleReadOperation(
            "fetch-offsets",
            PartitionFor(groupId),
            shard => shard.Offsets.Fetch(groupId, partitions),
            error => new OffsetFetchResult(error, [])).WaitAsync(cancellationToken);

    /// <summary>OffsetDelete: see <see cref="OffsetManager.Delete"/>.</summary>
    public Task<PartitionErrorsResult> DeleteOffsetsAsync(string groupId, IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return Task.FromResult(new PartitionErrorsResult(ErrorCode.InvalidGroupId, []));
        }
        return _runtime.ScheduleWriteOperation(
            "delete-offsets",
            PartitionFor(groupId),
            shard => shard.Offsets.Delete(groupId, partitions),
            error => new PartitionErrorsResult(error, [])).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Every live group of every partition this node coordinates, optionally only those in
    /// <paramref name="states"/>. COORDINATOR_LOAD_IN_PROGRESS while any partition loads, as Kafka;
    /// a partition unloaded meanwhile contributes nothing.
    /// </summary>
    public async Task<(ErrorCode Error, IReadOnlyList<GroupSummary> Groups)> ListGroupsAsync(IReadOnlySet<GroupState>? states, CancellationToken cancellationToken)
    {
        var perPartition = await Task.WhenAll(_runtime.Partitions.Select(partition => _runtime.ScheduleReadOperation(
            "list-groups",
            partition,
            shard => (Error: ErrorCode.None, Groups: shard.ListGroups(states)),
            error => (Error: error, Groups: (IReadOnlyList<GroupSummary>)[])))).WaitAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<GroupSummary>();
        foreach (var (error, groups) in perPartition)
        {
            if (error is not (ErrorCode.None or ErrorCode.NotCoordinator))
            {
                return (error, []);
            }
            list.AddRange(groups);
        }
        return (ErrorCode.None, list);
    }

    public Task<GroupDescription> DescribeGroupAsync(string groupId, CancellationToken cancellationToken) =>
        _runtime.ScheduleReadOperation(
            "describe-group",
            PartitionFor(groupId),
            shard => shard.DescribeGroup(groupId),
            error => new GroupDescription(error, groupId, false, GroupState.Dead, string.Empty, string.Empty, [])).WaitAsync(cancellationToken);

    /// <summary>Deletes an empty group and its offsets: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP otherwise.</summary>
    public Task<ErrorCode> DeleteGroupAsync(string groupId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(groupId))
        {
            return Task.FromResult(ErrorCode.InvalidGroupId);
        }
        return _runtime.ScheduleWriteOperation("delete-group", PartitionFor(groupId), shard => shard.DeleteGroup(groupId), error => error).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Runs offset expiry now on every loaded partition (it also runs by itself every
    /// offsets.retention.check.interval.ms); returns the number of offsets expired.
    /// </summary>
    public async Task<int> ExpireOffsetsAsync(CancellationToken cancellationToken)
    {
        var counts = await Task.WhenAll(_runtime.Partitions.Select(partition => _runtime.ScheduleWriteOperation(
            "expire-offsets",
            partition,
            shard => shard.Offsets.Expire(),
            _ => 0))).WaitAsync(cancellationToken).ConfigureAwait(false);
        return counts.Sum();
    }

    /// <summary>Completes once every operation queued before it ran (tests: requests happen "now" before a fake clock moves).</summary>
    internal Task WhenIdleAsync() =>
        Task.WhenAll(_runtime.Partitions.Select(partition => _runtime.ScheduleReadOperation("barrier", partition, _ => 0, _ => 0)));

    public async ValueTask DisposeAsync()
    {
        await _runtime.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }
}
