using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>
/// Computes consumer lag in the broker (no separate exporter, unlike Burrow or
/// kafka-lag-exporter): each group's committed offsets from the group coordinator against the
/// high watermark of the partitions hosted here. Used by the <c>gregor.groups.lag</c> gauges and
/// the admin API. Every call asks the coordinator afresh through its event loops (read
/// operations, so it never blocks a group's writes); bounded by <see cref="MaxGroups"/>.
/// Stateless, thread-safe.
/// </summary>
public sealed class GroupLagReader(GroupCoordinator groups, ReplicaManager replicas)
{
    /// <summary>At most this many groups are read per call: a scrape or an admin page stays bounded.</summary>
    public const int MaxGroups = 10_000;

    /// <summary>Every group this node coordinates (up to <see cref="MaxGroups"/>), ordered by id.</summary>
    public async Task<(ErrorCode Error, IReadOnlyList<GroupLag> Groups)> ReadAllAsync(CancellationToken cancellationToken)
    {
        var (error, summaries) = await groups.ListGroupsAsync(null, cancellationToken).ConfigureAwait(false);
        if (error != ErrorCode.None)
        {
            return (error, []);
        }
        var result = new List<GroupLag>();
        foreach (var summary in summaries.OrderBy(s => s.GroupId, StringComparer.Ordinal).Take(MaxGroups))
        {
            if (await ReadAsync(summary.GroupId, cancellationToken).ConfigureAwait(false) is { } lag)
            {
                result.Add(lag);
            }
        }
        return (ErrorCode.None, result);
    }

    /// <summary>One group, or null when it does not exist (or is not coordinated here).</summary>
    public async Task<GroupLag?> ReadAsync(string groupId, CancellationToken cancellationToken)
    {
        var description = await groups.DescribeGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
        if (description.Error != ErrorCode.None || !description.Exists)
        {
            return null;
        }
        var offsets = await groups.FetchOffsetsAsync(groupId, null, cancellationToken).ConfigureAwait(false);
        var partitions = new List<PartitionLag>(offsets.Partitions.Count);
        foreach (var committed in offsets.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition))
        {
            if (committed.Offset is not { } offset)
            {
                continue;
            }
            long? end = replicas.TryGetPartition(new TopicPartition(committed.Topic, committed.Partition), out var partition)
                ? partition.HighWatermark
                : null;
            partitions.Add(new PartitionLag(committed.Topic, committed.Partition, offset.Offset, end, end is { } e ? Math.Max(0, e - offset.Offset) : null));
        }
        return new GroupLag(groupId, description.State, description.ProtocolType, description.Protocol, description.Members, partitions);
    }
}
