using Gregor.Broker.Groups.Records;
using Gregor.Protocol;

namespace Gregor.Broker.Groups;

/// <summary>
/// The group coordinator's records in <c>__consumer_offsets</c>, in Kafka's formats (see Records/):
/// offset commits, group metadata snapshots and their tombstones. Pure functions.
/// </summary>
internal static class GroupRecords
{
    public static GroupLogRecord OffsetRecord(string group, TopicPartition key, CommittedOffset offset)
    {
        var value = new OffsetCommitValue(offset.Offset, offset.LeaderEpoch, offset.Metadata, offset.CommitTimestampMs, offset.ExpireTimestampMs);
        return new GroupLogRecord(new OffsetCommitKey(group, key.Topic, key.Partition).ToBytes(), value.ToBytes());
    }

    public static GroupLogRecord OffsetTombstone(string group, TopicPartition key) =>
        new(new OffsetCommitKey(group, key.Topic, key.Partition).ToBytes(), null);

    public static GroupLogRecord GroupTombstone(string group) => new(new GroupMetadataKey(group).ToBytes(), null);

    /// <summary>A snapshot of the group's membership as it is now.</summary>
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
