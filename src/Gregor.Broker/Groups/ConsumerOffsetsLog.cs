using Gregor.Broker.Groups.Records;
using Gregor.Protocol;

namespace Gregor.Broker.Groups;

/// <summary>
/// The coordinator's write path into <c>__consumer_offsets</c>: encodes offset commits, group
/// metadata and tombstones in Kafka's record formats (see Records/) and appends them through an
/// <see cref="IGroupLogStore"/>. Appends to one partition are serialised by a per-partition
/// semaphore, and the records are built inside that critical section, so the order of records in
/// a partition is the order of the decisions that produced them (a later snapshot of a group is
/// always written after an earlier one). Thread-safe.
/// </summary>
internal sealed class ConsumerOffsetsLog(IGroupLogStore store, int partitionCount)
{
    private readonly SemaphoreSlim[] _partitionLocks = [.. Enumerable.Range(0, partitionCount).Select(_ => new SemaphoreSlim(1, 1))];

    public IGroupLogStore Store => store;

    /// <summary>
    /// Builds records under the partition's ordering lock, appends them, then runs
    /// <paramref name="onAppended"/> (still under the ordering lock) so the in-memory state
    /// changes in the same order as the log. Nothing is appended when the builder returns none.
    /// </summary>
    public async Task AppendAsync(int partition, Func<IReadOnlyList<GroupLogRecord>> build, Action? onAppended, CancellationToken cancellationToken)
    {
        var gate = _partitionLocks[partition];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var records = build();
            if (records.Count > 0)
            {
                await store.AppendAsync(partition, records, cancellationToken).ConfigureAwait(false);
            }
            onAppended?.Invoke();
        }
        finally
        {
            gate.Release();
        }
    }

    public static GroupLogRecord OffsetRecord(string group, TopicPartition key, CommittedOffset offset)
    {
        var value = new OffsetCommitValue(offset.Offset, offset.LeaderEpoch, offset.Metadata, offset.CommitTimestampMs, offset.ExpireTimestampMs);
        return new GroupLogRecord(new OffsetCommitKey(group, key.Topic, key.Partition).ToBytes(), value.ToBytes());
    }

    public static GroupLogRecord OffsetTombstone(string group, TopicPartition key) =>
        new(new OffsetCommitKey(group, key.Topic, key.Partition).ToBytes(), null);

    public static GroupLogRecord GroupTombstone(string group) => new(new GroupMetadataKey(group).ToBytes(), null);

    /// <summary>A snapshot of the group's membership (call under the group's lock).</summary>
    public static GroupLogRecord GroupRecord(ConsumerGroup group)
    {
        var protocol = group.ProtocolName;
        var members = group.Members.Values
            .Select(m => new GroupMemberMetadata(
                m.MemberId,
                m.GroupInstanceId,
                m.ClientId,
                m.ClientHost,
                m.RebalanceTimeoutMs,
                m.SessionTimeoutMs,
                protocol is null ? [] : m.MetadataFor(protocol),
                m.Assignment))
            .ToList();
        var value = new GroupMetadataValue(
            group.ProtocolType ?? string.Empty,
            group.Generation,
            protocol,
            group.LeaderId,
            group.CurrentStateTimestampMs,
            members);
        return new GroupLogRecord(new GroupMetadataKey(group.GroupId).ToBytes(), value.ToBytes());
    }
}
