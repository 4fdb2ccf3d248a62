using Gregor.Cluster.Records;
using Gregor.Protocol;

namespace Gregor.Cluster.Tests;

public sealed class MetadataRecordSerdeTests
{
    private static readonly Guid TopicId = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

    [Fact]
    public void TopicRecord_IsFramedAsKafkaMetadataRecordSerde()
    {
        var bytes = MetadataRecordSerde.Serialize(new TopicRecord("t1", TopicId));

        // frame version 1, apiKey 2, version 0, compact string "t1", uuid, no tagged fields
        byte[] expected = [0x01, 0x02, 0x00, 0x03, (byte)'t', (byte)'1', .. TopicId.ToByteArray(bigEndian: true), 0x00];
        Assert.Equal(expected, bytes);
    }

    public static TheoryData<MetadataRecord> Records() => new(new MetadataRecord[]
    {
        new TopicRecord("orders", TopicId),
        new PartitionRecord(3, TopicId, [1, 2], [2], 2, 7, 9),
        new ConfigRecord(ConfigRecord.TopicResource, "orders", "retention.ms", "1000"),
        new ConfigRecord(ConfigRecord.TopicResource, "orders", "retention.ms", null),
        new RemoveTopicRecord(TopicId),
        new FeatureLevelRecord("metadata.version", 21),
        new ProducerIdsRecord(1, 5, 2000),
        new FenceBrokerRecord(2, 40),
        new UnfenceBrokerRecord(2, 40),
        new UnregisterBrokerRecord(3, 41),
        new NoOpRecord(),
        new BrokerRegistrationChangeRecord(2, 40),
        new BrokerRegistrationChangeRecord(2, 40, BrokerRegistrationChangeRecord.FenceChangeUnfenced, InControlledShutdown: 1),
        new PartitionChangeRecord(1, TopicId),
        new PartitionChangeRecord(1, TopicId, Isr: [1, 3], Leader: -1, Replicas: [1, 2, 3]),
        new RegisterBrokerRecord(4, TopicId, 12, [new BrokerEndpoint("PLAINTEXT", "h", 9092)], null, Fenced: true, InControlledShutdown: true),
    });

    [Fact]
    public void FenceBrokerRecord_IsKafkasLayout()
    {
        // frame 1, apiKey 7, version 0, Id int32, Epoch int64, no tagged fields
        byte[] expected = [0x01, 0x07, 0x00, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 40, 0x00];
        Assert.Equal(expected, MetadataRecordSerde.Serialize(new FenceBrokerRecord(2, 40)));
    }

    [Fact]
    public void BrokerRegistrationChangeRecord_WritesChangesAsTaggedFields()
    {
        // frame 1, apiKey 17, version 1, BrokerId, BrokerEpoch, 2 tagged fields: tag 0 (Fenced = 1), tag 1 (InControlledShutdown = 1)
        byte[] expected = [0x01, 0x11, 0x01, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 40, 0x02, 0x00, 0x01, 0x01, 0x01, 0x01, 0x01];
        var bytes = MetadataRecordSerde.Serialize(new BrokerRegistrationChangeRecord(2, 40, BrokerRegistrationChangeRecord.FenceChangeFenced, InControlledShutdown: 1));

        Assert.Equal(expected, bytes);
        var decoded = Assert.IsType<BrokerRegistrationChangeRecord>(MetadataRecordSerde.Read(bytes));
        Assert.Equal((sbyte)1, decoded.Fenced);
        Assert.Equal((sbyte)1, decoded.InControlledShutdown);
    }

    [Fact]
    public void PartitionChangeRecord_UnchangedFieldsStayAbsent()
    {
        var decoded = Assert.IsType<PartitionChangeRecord>(MetadataRecordSerde.Read(MetadataRecordSerde.Serialize(new PartitionChangeRecord(4, TopicId, Leader: 2))));

        Assert.Equal(2, decoded.Leader);
        Assert.Null(decoded.Isr);
        Assert.Null(decoded.Replicas);
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void Record_RoundTripsThroughSerde(MetadataRecord record)
    {
        var decoded = MetadataRecordSerde.Read(MetadataRecordSerde.Serialize(record));

        Assert.Equal(MetadataRecordSerde.Serialize(record), MetadataRecordSerde.Serialize(decoded!));
        Assert.Equal(record.GetType(), decoded!.GetType());
    }

    [Fact]
    public void RegisterBrokerRecord_RoundTripsEndpointsAndRack()
    {
        var record = new RegisterBrokerRecord(4, TopicId, 12, [new BrokerEndpoint("PLAINTEXT", "example.org", 9093)], "rack-a", false);

        var decoded = Assert.IsType<RegisterBrokerRecord>(MetadataRecordSerde.Read(MetadataRecordSerde.Serialize(record)));

        Assert.Equal(4, decoded.BrokerId);
        Assert.Equal(12, decoded.BrokerEpoch);
        Assert.Equal("example.org", decoded.EndPoints[0].Host);
        Assert.Equal(9093, decoded.EndPoints[0].Port);
        Assert.Equal("rack-a", decoded.Rack);
        Assert.False(decoded.Fenced);
    }

    [Fact]
    public void UnknownRecordType_DecodesAsNullSoNewerLogsReplay()
    {
        // frame 1, apiKey 6 (AccessControlEntryRecord), version 0, arbitrary body
        Assert.Null(MetadataRecordSerde.Read(new byte[] { 0x01, 0x06, 0x00, 0x42 }));
    }

    [Fact]
    public void TruncatedRecord_ThrowsProtocolException()
    {
        var bytes = MetadataRecordSerde.Serialize(new TopicRecord("orders", TopicId));

        Assert.Throws<ProtocolException>(() => MetadataRecordSerde.Read(bytes.AsMemory(0, bytes.Length - 3)));
    }

    [Fact]
    public void WrongFrameVersion_ThrowsProtocolException()
    {
        Assert.Throws<ProtocolException>(() => MetadataRecordSerde.Read(new byte[] { 0x02, 0x02, 0x00 }));
    }
}
