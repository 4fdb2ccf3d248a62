using Gregor.Protocol.Generator;
using Gregor.Protocol.Messages;

namespace Gregor.Protocol.Tests.Generator;

/// <summary>Generator rules that do not need the spec folder: version ranges and name clashes.</summary>
public sealed class MessageEmitterTests
{
    [Theory]
    [InlineData("0+", 0, short.MaxValue)]
    [InlineData("3-13", 3, 13)]
    [InlineData("7", 7, 7)]
    [InlineData("none", 0, -1)]
    [InlineData("", 0, -1)]
    public void VersionRange_ParsesSpecNotation(string text, short lowest, short highest)
    {
        var range = VersionRange.Parse(text);
        Assert.Equal((lowest, highest), (range.Lowest, range.Highest));
        Assert.Equal(highest < lowest, range.IsEmpty);
    }

    [Fact]
    public void VersionRange_IntersectOfDisjointRanges_IsEmpty()
    {
        Assert.True(VersionRange.Parse("0-2").Intersect(VersionRange.Parse("3+")).IsEmpty);
        Assert.Equal(new VersionRange(3, 5), VersionRange.Parse("0-5").Intersect(VersionRange.Parse("3+")));
    }

    [Fact]
    public void FieldNamedLikeAGeneratedMember_GetsFieldSuffix()
    {
        // FindCoordinatorRequest has a spec field "Key", which would clash with the ApiKey constant.
        Assert.Equal(ApiKey.FindCoordinator, FindCoordinatorRequest.Key);
        Assert.NotNull(typeof(FindCoordinatorRequest).GetProperty("KeyField"));
    }

    [Fact]
    public void StructNamedLikeAProperty_GetsDataSuffix()
    {
        Assert.Equal(typeof(DescribeTopicPartitionsRequest.CursorData), typeof(DescribeTopicPartitionsRequest).GetProperty("Cursor")!.PropertyType);
        Assert.Equal(typeof(FetchRequest.ReplicaStateData), typeof(FetchRequest).GetProperty("ReplicaState")!.PropertyType);
        // A struct with a field of its own name: ListTransactionsResponse.TransactionState.TransactionState.
        Assert.NotNull(typeof(ListTransactionsResponse.TransactionStateData).GetProperty("TransactionState"));
    }

    [Fact]
    public void SpecTypes_MapToTheContractClrTypes()
    {
        var partition = typeof(ProduceRequest.PartitionProduceData);
        Assert.Equal(typeof(ReadOnlyMemory<byte>?), partition.GetProperty("Records")!.PropertyType);
        Assert.Equal(typeof(List<ProduceRequest.TopicProduceData>), typeof(ProduceRequest).GetProperty("TopicData")!.PropertyType);
        Assert.Equal(typeof(Guid), typeof(ProduceRequest.TopicProduceData).GetProperty("TopicId")!.PropertyType);
        Assert.Equal(typeof(ushort), typeof(AddRaftVoterRequest.Listener).GetProperty("Port")!.PropertyType);
        Assert.Equal(typeof(string), typeof(ProduceRequest).GetProperty("TransactionalId")!.PropertyType); // string? at runtime
        Assert.Equal(typeof(double), typeof(DescribeClientQuotasResponse).GetNestedTypes().SelectMany(t => t.GetProperties()).Single(p => p.Name == "Value").PropertyType);
    }
}
