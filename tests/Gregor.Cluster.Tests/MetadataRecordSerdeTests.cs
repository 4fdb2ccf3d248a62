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
    });

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
