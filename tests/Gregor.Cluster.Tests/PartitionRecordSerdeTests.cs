using Gregor.Cluster.Records;

namespace Gregor.Cluster.Tests;

/// <summary>PartitionRecord / PartitionChangeRecord v0-v2 as Kafka's generated serde writes them (tagged fields in tag order).</summary>
public sealed class PartitionRecordSerdeTests
{
    private static readonly Guid TopicId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
    private static readonly Guid Dir = Guid.Parse("0f0e0d0c-0b0a-0908-0706-050403020100");

    [Fact]
    public void PartitionChangeRecordV2_WritesIsrLeaderElrAndLastKnownElrAsTaggedFieldsInTagOrder()
    {
        var record = new PartitionChangeRecord(4, TopicId, Isr: [1], Leader: 2)
        {
            RecordVersion = 2,
            EligibleLeaderReplicas = [3],
            LastKnownElr = [],
        };

        byte[] expected =
        [
            0x01, 0x05, 0x02, 0, 0, 0, 4, .. TopicId.ToByteArray(bigEndian: true),
            0x04, // four tagged fields
            0x00, 0x05, 0x02, 0, 0, 0, 1, // tag 0 Isr [1]
            0x01, 0x04, 0, 0, 0, 2, // tag 1 Leader 2
            0x06, 0x05, 0x02, 0, 0, 0, 3, // tag 6 EligibleLeaderReplicas [3]
            0x07, 0x01, 0x01, // tag 7 LastKnownElr []
        ];
        Assert.Equal(expected, MetadataRecordSerde.Serialize(record));
        var decoded = Assert.IsType<PartitionChangeRecord>(MetadataRecordSerde.Read(expected));
        Assert.Equal([3], decoded.EligibleLeaderReplicas!.Value);
        Assert.Empty(decoded.LastKnownElr!.Value);
        Assert.Null(decoded.AddingReplicas);
    }

    [Fact]
    public void PartitionChangeRecord_EveryField_RoundTrips()
    {
        var record = new PartitionChangeRecord(1, TopicId, [1, 2], 1, [1, 2, 3])
        {
            RecordVersion = 2,
            RemovingReplicas = [3],
            AddingReplicas = [2],
            LeaderRecoveryState = LeaderRecoveryState.Recovering,
            Directories = [Dir, Dir, Dir],
            EligibleLeaderReplicas = [],
            LastKnownElr = [3],
        };

        var bytes = MetadataRecordSerde.Serialize(record);
        var decoded = Assert.IsType<PartitionChangeRecord>(MetadataRecordSerde.Read(bytes));

        Assert.Equal(bytes, MetadataRecordSerde.Serialize(decoded));
        Assert.Equal([3], decoded.RemovingReplicas!.Value);
        Assert.Equal([2], decoded.AddingReplicas!.Value);
        Assert.Equal(LeaderRecoveryState.Recovering, decoded.LeaderRecoveryState);
        Assert.Equal([Dir, Dir, Dir], decoded.Directories!.Value);
        Assert.Equal([3], decoded.LastKnownElr!.Value);
    }

    [Fact]
    public void PartitionRecordV2_CarriesReassignmentRecoveryDirectoriesAndElr()
    {
        var record = new PartitionRecord(0, TopicId, [1, 2, 3], [1], 1, 5, 9)
        {
            RecordVersion = 2,
            RemovingReplicas = [3],
            AddingReplicas = [2],
            LeaderRecoveryState = LeaderRecoveryState.Recovering,
            Directories = [Dir, Dir, Dir],
            EligibleLeaderReplicas = [2],
            LastKnownElr = [],
        };

        var bytes = MetadataRecordSerde.Serialize(record);
        var decoded = Assert.IsType<PartitionRecord>(MetadataRecordSerde.Read(bytes));

        Assert.Equal(bytes, MetadataRecordSerde.Serialize(decoded));
        Assert.Equal(2, decoded.Version);
        Assert.Equal([3], decoded.RemovingReplicas);
        Assert.Equal([2], decoded.AddingReplicas);
        Assert.Equal(LeaderRecoveryState.Recovering, decoded.LeaderRecoveryState);
        Assert.Equal([Dir, Dir, Dir], decoded.Directories);
        Assert.Equal([2], decoded.EligibleLeaderReplicas!.Value);
    }

    [Fact]
    public void PartitionRecordV0_IsUnchanged_AndCannotCarryTheElr()
    {
        var v0 = MetadataRecordSerde.Serialize(new PartitionRecord(3, TopicId, [1, 2], [2], 2, 7, 9));

        byte[] expected =
        [
            0x01, 0x03, 0x00, 0, 0, 0, 3, .. TopicId.ToByteArray(bigEndian: true),
            0x03, 0, 0, 0, 1, 0, 0, 0, 2, // replicas
            0x02, 0, 0, 0, 2, // isr
            0x01, 0x01, // removing, adding
            0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 9, // leader, leader epoch, partition epoch
            0x00, // no tagged fields
        ];
        Assert.Equal(expected, v0);
        Assert.Throws<InvalidOperationException>(() => MetadataRecordSerde.Serialize(new PartitionRecord(3, TopicId, [1], [1], 1, 0, 0) { EligibleLeaderReplicas = [] }));
        Assert.Throws<InvalidOperationException>(() => MetadataRecordSerde.Serialize(new PartitionChangeRecord(3, TopicId) { LastKnownElr = [] }));
    }
}
