using Gregor.Broker.Groups;
using Gregor.Broker.Groups.Records;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Tests.Groups;

/// <summary>The __consumer_offsets record formats, checked byte by byte against Kafka's schemas.</summary>
public sealed class GroupRecordCodecTests
{
    [Fact]
    public void OffsetCommitKey_IsVersion1GroupTopicPartition()
    {
        var bytes = new OffsetCommitKey("g", "t", 2).ToBytes();
        Assert.Equal(Convert.FromHexString("0001" + "000167" + "000174" + "00000002"), bytes);
        var key = GroupRecordKey.Read(bytes);
        Assert.Equal(GroupRecordKind.OffsetCommit, key.Kind);
        Assert.Equal(new OffsetCommitKey("g", "t", 2), key.Offset);
    }

    [Fact]
    public void OffsetCommitValue_WithoutExpiry_IsWrittenAsVersion3()
    {
        var bytes = new OffsetCommitValue(100, 5, "m", 1000).ToBytes();
        Assert.Equal(Convert.FromHexString("0003" + "0000000000000064" + "00000005" + "00016D" + "00000000000003E8"), bytes);
        Assert.Equal(new OffsetCommitValue(100, 5, "m", 1000), OffsetCommitValue.Read(bytes));
    }

    [Fact]
    public void OffsetCommitValue_WithExpireTimestamp_IsWrittenAsVersion1()
    {
        var bytes = new OffsetCommitValue(100, -1, "m", 1000, 2000).ToBytes();
        Assert.Equal(Convert.FromHexString("0001" + "0000000000000064" + "00016D" + "00000000000003E8" + "00000000000007D0"), bytes);
        Assert.Equal(2000, OffsetCommitValue.Read(bytes).ExpireTimestamp);
    }

    [Fact]
    public void OffsetCommitValue_Version4_ReadsCompactMetadataAndTopicIdTag()
    {
        var topicId = Guid.NewGuid();
        using var writer = new ProtocolWriter();
        new OffsetCommitValue(7, 3, "meta", 42, TopicId: topicId).Write(writer, 4);
        var read = OffsetCommitValue.Read(writer.WrittenSpan.ToArray());
        Assert.Equal(new OffsetCommitValue(7, 3, "meta", 42, -1, topicId), read);
    }

    [Fact]
    public void OffsetCommitValue_Version0_HasNoLeaderEpoch()
    {
        var bytes = Convert.FromHexString("0000" + "0000000000000009" + "0000" + "0000000000000001");
        Assert.Equal(new OffsetCommitValue(9, -1, "", 1), OffsetCommitValue.Read(bytes));
    }

    [Fact]
    public void GroupMetadataKeyAndValue_AreVersion2AndVersion3()
    {
        Assert.Equal(Convert.FromHexString("0002" + "000167"), new GroupMetadataKey("g").ToBytes());
        var value = new GroupMetadataValue("consumer", 1, "range", "m", 5, [new GroupMemberMetadata("m", null, "c", "h", 30000, 10000, [0xAA], [0xBB])]);
        var expected = Convert.FromHexString(
            "0003" + "0008" + Convert.ToHexString("consumer"u8) + "00000001" + "0005" + Convert.ToHexString("range"u8) + "00016D" +
            "0000000000000005" + "00000001" +
            "00016D" + "FFFF" + "000163" + "000168" + "00007530" + "00002710" + "00000001AA" + "00000001BB");
        var bytes = value.ToBytes();
        Assert.Equal(expected, bytes);
        var read = GroupMetadataValue.Read(bytes);
        Assert.Equal(value.Generation, read.Generation);
        Assert.Equal("m", read.Members[0].MemberId);
        Assert.Equal([0xBB], read.Members[0].Assignment);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void GroupMetadataValue_RoundTripsEveryVersion(short version)
    {
        var value = new GroupMetadataValue("consumer", 3, null, null, 77, [new GroupMemberMetadata("m1", version >= 3 ? "i1" : null, "c", "h", 100, 200, [1], [2])]);
        using var writer = new ProtocolWriter();
        value.Write(writer, version);
        var read = GroupMetadataValue.Read(writer.WrittenSpan.ToArray());
        Assert.Equal(3, read.Generation);
        Assert.Null(read.Protocol);
        Assert.Equal(version >= 2 ? 77 : -1, read.CurrentStateTimestamp);
        Assert.Equal(version >= 1 ? 100 : -1, read.Members[0].RebalanceTimeout);
        Assert.Equal(version >= 3 ? "i1" : null, read.Members[0].GroupInstanceId);
    }

    [Fact]
    public void GroupMetadataValue_WithHugeMemberCount_IsRejectedBeforeAllocating()
    {
        var bytes = Convert.FromHexString("0003" + "0000" + "00000001" + "FFFF" + "FFFF" + "0000000000000000" + "7FFFFFFF");
        Assert.Throws<ProtocolException>(() => GroupMetadataValue.Read(bytes));
    }

    [Fact]
    public void NewerCoordinatorRecords_AreRecognisedAndSkipped()
    {
        Assert.Equal(GroupRecordKind.Other, GroupRecordKey.Read(Convert.FromHexString("0003000167")).Kind);
    }

    [Theory]
    [InlineData("hello", 22)]
    [InlineData("polygenelubricants", 0)] // hashCode is Integer.MIN_VALUE: Kafka's Utils.abs gives 0
    [InlineData("my-group", 12)]
    [InlineData("console-consumer-12345", 6)]
    public void PartitionFor_MatchesKafkasAbsJavaHashCodeModulo(string groupId, int expected)
    {
        Assert.Equal(expected, GroupPartitioner.PartitionFor(groupId, 50));
    }

    [Fact]
    public void JavaStringHashCode_MatchesJava()
    {
        Assert.Equal(99162322, GroupPartitioner.JavaStringHashCode("hello"));
        Assert.Equal(int.MinValue, GroupPartitioner.JavaStringHashCode("polygenelubricants"));
    }

    [Fact]
    public void SubscriptionReader_ReadsTheTopicsAndToleratesGarbage()
    {
        Assert.Equal(["a", "b"], ConsumerProtocolSubscriptionReader.ReadTopics(GroupHarness.Subscription("a", "b")));
        Assert.Empty(ConsumerProtocolSubscriptionReader.ReadTopics(new byte[] { 0, 0, 0x7F, 0xFF, 0xFF, 0xFF }));
    }
}
