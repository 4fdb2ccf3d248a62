using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Admin;

/// <summary>Every supported version of each admin API answers (fields a version cannot carry are left out).</summary>
public sealed class AdminVersionTests
{
    [Fact]
    public async Task TopicApis_EveryVersion_CreateListGrowAndDelete()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());

        for (short v = CreateTopicsRequest.LowestSupportedVersion; v <= CreateTopicsRequest.HighestSupportedVersion; v++)
        {
            var created = await client.CreateTopicAsync($"v{v}", partitions: 1, configs: new() { ["retention.ms"] = "100000" }, version: v);
            Assert.Equal((short)ErrorCode.None, created.Topics[0].ErrorCode);
        }
        for (short v = CreatePartitionsRequest.LowestSupportedVersion; v <= CreatePartitionsRequest.HighestSupportedVersion; v++)
        {
            var grown = await client.SendAsync<CreatePartitionsResponse>(new CreatePartitionsRequest
            {
                Topics = [new() { Name = $"v{v}", Count = 2, Assignments = null }],
                TimeoutMs = 30_000,
            }, v);
            Assert.Equal((short)ErrorCode.None, grown.Results[0].ErrorCode);
        }
        for (short v = DeleteTopicsRequest.LowestSupportedVersion; v <= DeleteTopicsRequest.HighestSupportedVersion; v++)
        {
            var request = v >= 6
                ? new DeleteTopicsRequest { Topics = [new() { Name = $"v{v}" }], TimeoutMs = 30_000 }
                : new DeleteTopicsRequest { TopicNames = [$"v{v}"], TimeoutMs = 30_000 };
            var deleted = await client.SendAsync<DeleteTopicsResponse>(request, v);
            Assert.Equal((short)ErrorCode.None, deleted.Responses[0].ErrorCode);
        }
        var left = (await client.MetadataAsync(null)).Topics.Select(t => t.Name);
        Assert.Equal(["v7"], left);
    }

    [Fact]
    public async Task ConfigApis_EveryVersion_AlterAndDescribe()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        for (short v = AlterConfigsRequest.LowestSupportedVersion; v <= AlterConfigsRequest.HighestSupportedVersion; v++)
        {
            var altered = await client.SendAsync<AlterConfigsResponse>(new AlterConfigsRequest
            {
                Resources = [new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "retention.ms", Value = $"{1000 + v}" }] }],
            }, v);
            Assert.Equal((short)ErrorCode.None, altered.Responses[0].ErrorCode);
        }
        for (short v = IncrementalAlterConfigsRequest.LowestSupportedVersion; v <= IncrementalAlterConfigsRequest.HighestSupportedVersion; v++)
        {
            var altered = await client.SendAsync<IncrementalAlterConfigsResponse>(new IncrementalAlterConfigsRequest
            {
                Resources = [new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "segment.ms", ConfigOperation = 0, Value = $"{60000 + v}" }] }],
            }, v);
            Assert.Equal((short)ErrorCode.None, altered.Responses[0].ErrorCode);
        }
        for (short v = DescribeConfigsRequest.LowestSupportedVersion; v <= DescribeConfigsRequest.HighestSupportedVersion; v++)
        {
            var described = await client.DescribeTopicConfigsAsync("t", synonyms: v >= 1, version: v);
            var configs = described.Results[0].Configs.ToDictionary(c => c.Name);
            Assert.Equal("60001", configs["segment.ms"].Value);
            Assert.Equal("1002", configs["retention.ms"].Value);
            if (v == 0)
            {
                Assert.False(configs["segment.ms"].IsDefault);
                Assert.True(configs["cleanup.policy"].IsDefault);
            }
            else
            {
                Assert.Equal(1, configs["segment.ms"].ConfigSource);
            }
        }
        for (short v = DescribeClusterRequest.LowestSupportedVersion; v <= DescribeClusterRequest.HighestSupportedVersion; v++)
        {
            var cluster = await client.SendAsync<DescribeClusterResponse>(new DescribeClusterRequest(), v);
            Assert.Equal(broker.Port, Assert.Single(cluster.Brokers).Port);
        }
    }
}
