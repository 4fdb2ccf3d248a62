using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>
/// Kafka's rules for writing a message at a version: fields the version lacks, ignorable
/// fields, null where null is not allowed, tagged fields only when not default, unknown tagged
/// fields merged in tag order.
/// </summary>
public sealed class MessageWriteRulesTests
{
    private static byte[] Write(IApiMessage message, short version)
    {
        using var writer = new ProtocolWriter();
        message.Write(writer, version);
        return writer.WrittenMemory.ToArray();
    }

    private static T Read<T>(byte[] bytes, short version)
        where T : IApiMessage, new()
    {
        var message = new T();
        var reader = new ProtocolReader(bytes);
        message.Read(ref reader, version);
        Assert.True(reader.End);
        return message;
    }

    [Fact]
    public void Write_NonIgnorableFieldTheVersionLacks_ThrowsUnsupportedVersion()
    {
        var request = new ProduceRequest { TransactionalId = "tx-1" }; // TransactionalId: v3+
        var error = Assert.Throws<UnsupportedVersionException>(() => Write(request, 2));
        Assert.Contains("TransactionalId", error.Message, StringComparison.Ordinal);
        Write(new ProduceRequest(), 2); // the default (null) is fine
    }

    [Fact]
    public void Write_IgnorableFieldTheVersionLacks_IsDropped()
    {
        // TopicData.Name is ignorable and only in v0-12; v13 identifies topics by id.
        var request = new ProduceRequest { TopicData = [new ProduceRequest.TopicProduceData { Name = "orders", TopicId = Guid.NewGuid() }] };
        var decoded = Read<ProduceRequest>(Write(request, 13), 13);
        Assert.Equal("", decoded.TopicData[0].Name);
        Assert.Equal(request.TopicData[0].TopicId, decoded.TopicData[0].TopicId);
    }

    [Fact]
    public void Write_NullWhereTheVersionForbidsNull_ThrowsProtocolException()
    {
        var request = new MetadataRequest { Topics = null }; // Topics: nullable from v1
        Assert.ThrowsAny<ProtocolException>(() => Write(request, 0));
        Assert.Null(Read<MetadataRequest>(Write(request, 1), 1).Topics);
    }

    [Fact]
    public void Write_OutsideTheMessageVersionRange_ThrowsUnsupportedVersion()
    {
        Assert.Throws<UnsupportedVersionException>(() => Write(new ProduceRequest(), ProduceRequest.HighestVersionIncludingUnstable + 1));
        Assert.Throws<UnsupportedVersionException>(() => Write(new ProduceRequest(), -1));
    }

    [Fact]
    public void TaggedField_AtItsDefault_IsNotWritten()
    {
        var withDefault = Write(new FetchRequest(), 12);
        var withClusterId = Write(new FetchRequest { ClusterId = "c" }, 12);
        // tag (1) + size (1) + compact string "c" (2), and the tagged-field count stays one byte.
        Assert.Equal(withDefault.Length + 4, withClusterId.Length);
        Assert.Equal("c", Read<FetchRequest>(withClusterId, 12).ClusterId);
        Assert.Null(Read<FetchRequest>(withDefault, 12).ClusterId);
    }

    [Fact]
    public void UnknownTaggedFields_AreWrittenInTagOrderWithKnownOnes()
    {
        var response = new ApiVersionsResponse
        {
            FinalizedFeaturesEpoch = 5, // tag 1
            ZkMigrationReady = true, // tag 3
            UnknownTaggedFields = [new RawTaggedField(4, new byte[] { 0xAA }), new RawTaggedField(9, new byte[] { 0xBB, 0xCC })],
        };
        var bytes = Write(response, 3);
        // error code (2) + empty compact array (1) + throttle time (4), then the tagged section.
        var reader = new ProtocolReader(bytes.AsMemory(7));
        var count = reader.ReadUnsignedVarInt();
        var tags = new List<int>();
        for (var i = 0; i < count; i++)
        {
            tags.Add(reader.ReadTag());
            reader.Skip(reader.ReadTaggedFieldSize());
        }
        Assert.True(reader.End);
        Assert.Equal([1, 3, 4, 9], tags);

        var decoded = Read<ApiVersionsResponse>(bytes, 3);
        Assert.Equal(5, decoded.FinalizedFeaturesEpoch);
        Assert.True(decoded.ZkMigrationReady);
        Assert.Equal([4, 9], decoded.UnknownTaggedFields!.Select(f => f.Tag));
        Assert.Equal([0xBB, 0xCC], decoded.UnknownTaggedFields![1].Data.ToArray());
    }

    [Fact]
    public void KnownTagReadAtAVersionBeforeItExists_IsKeptAsUnknown()
    {
        // ReplicaState is tag 1 from v15; at v12 a tag 1 is unknown and must survive a round trip.
        var request = new FetchRequest { ClusterId = "c", UnknownTaggedFields = [new RawTaggedField(1, new byte[] { 7 })] };
        var bytes = Write(request, 12);
        var decoded = Read<FetchRequest>(bytes, 12);
        Assert.Equal(1, Assert.Single(decoded.UnknownTaggedFields!).Tag);
        Assert.Equal(bytes, Write(decoded, 12));
    }

    [Fact]
    public void UnknownTaggedFields_OnANonFlexibleVersion_ThrowUnsupportedVersion()
    {
        var request = new MetadataRequest { UnknownTaggedFields = [new RawTaggedField(0, new byte[] { 1 })] };
        Assert.Throws<UnsupportedVersionException>(() => Write(request, 8));
    }

    [Fact]
    public void NullableStruct_RoundTripsNullAndValue()
    {
        var none = new DescribeTopicPartitionsRequest { Cursor = null };
        Assert.Null(Read<DescribeTopicPartitionsRequest>(Write(none, 0), 0).Cursor);
        var some = new DescribeTopicPartitionsRequest { Cursor = new DescribeTopicPartitionsRequest.CursorData { TopicName = "t", PartitionIndex = 3 } };
        var cursor = Read<DescribeTopicPartitionsRequest>(Write(some, 0), 0).Cursor!;
        Assert.Equal(("t", 3), (cursor.TopicName, cursor.PartitionIndex));
    }

    [Fact]
    public void Defaults_FollowTheSpec()
    {
        var fetch = new FetchRequest();
        Assert.Equal(-1, fetch.ReplicaId); // "default": "-1"
        Assert.Equal(int.MaxValue, fetch.MaxBytes); // "default": "0x7fffffff"
        Assert.Null(fetch.ClusterId); // "default": "null"
        Assert.Empty(fetch.Topics);
        Assert.Equal(Guid.Empty, new ProduceRequest.TopicProduceData().TopicId);
        Assert.Null(new ProduceRequest.PartitionProduceData().Records);
    }
}
