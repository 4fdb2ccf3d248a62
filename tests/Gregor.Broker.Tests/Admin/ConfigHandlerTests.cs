using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Admin;

public sealed class ConfigHandlerTests
{
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte StaticBrokerConfig = 4;
    private const sbyte DefaultConfig = 5;

    [Fact]
    public async Task DescribeConfigs_NewTopic_ReportsKafkaDefaults()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        var result = Assert.Single((await client.DescribeTopicConfigsAsync("t")).Results);

        Assert.Equal((short)ErrorCode.None, result.ErrorCode);
        var configs = result.Configs.ToDictionary(c => c.Name);
        Assert.Equal("604800000", configs["retention.ms"].Value);
        Assert.Equal(DefaultConfig, configs["retention.ms"].ConfigSource);
        Assert.Equal(5, configs["retention.ms"].ConfigType); // LONG
        Assert.Null(configs["retention.ms"].Documentation);
        Assert.Equal("delete", configs["cleanup.policy"].Value);
        Assert.Empty(configs["cleanup.policy"].Synonyms);
    }

    [Fact]
    public async Task DescribeConfigs_BrokerLevelRetention_IsStaticBrokerConfigWithSynonyms()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["log.retention.ms"] = "3600000" });
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        var configs = (await client.DescribeTopicConfigsAsync("t", synonyms: true)).Results[0].Configs.ToDictionary(c => c.Name);

        Assert.Equal("3600000", configs["retention.ms"].Value);
        Assert.Equal(StaticBrokerConfig, configs["retention.ms"].ConfigSource);
        // Kafka's chain: the set key, then the static defaults of its lower-priority synonyms.
        Assert.Equal([("log.retention.ms", "3600000", StaticBrokerConfig), ("log.retention.hours", "168", DefaultConfig)],
            configs["retention.ms"].Synonyms.Select(s => (s.Name, s.Value, s.Source)));
    }

    [Fact]
    public async Task DescribeConfigs_RetentionHoursAlone_ReportsTheValueButNoSynonym_AsKafka()
    {
        // Kafka's ConfigHelper.configSynonyms drops every synonym before log.retention.ms itself, so a
        // broker that sets only log.retention.hours reports retention.ms from DEFAULT_CONFIG, no synonyms.
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["log.retention.hours"] = "1" });
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        var configs = (await client.DescribeTopicConfigsAsync("t", synonyms: true)).Results[0].Configs.ToDictionary(c => c.Name);

        Assert.Equal("3600000", configs["retention.ms"].Value);
        Assert.Equal(DefaultConfig, configs["retention.ms"].ConfigSource);
        Assert.Empty(configs["retention.ms"].Synonyms);
    }

    [Fact]
    public async Task IncrementalAlterConfigs_ThenDescribe_ShowsDynamicTopicConfig()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        var altered = await client.SendAsync<IncrementalAlterConfigsResponse>(new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new()
                {
                    ResourceType = 2,
                    ResourceName = "t",
                    Configs =
                    [
                        new() { Name = "retention.ms", ConfigOperation = 0, Value = "60000" },
                        new() { Name = "cleanup.policy", ConfigOperation = 2, Value = "compact" },
                    ],
                },
            ],
        }, 1);

        Assert.Equal((short)ErrorCode.None, altered.Responses[0].ErrorCode);
        var configs = (await client.DescribeTopicConfigsAsync("t", synonyms: true)).Results[0].Configs.ToDictionary(c => c.Name);
        Assert.Equal("60000", configs["retention.ms"].Value);
        Assert.Equal(DynamicTopicConfig, configs["retention.ms"].ConfigSource);
        Assert.Equal(DynamicTopicConfig, configs["retention.ms"].Synonyms[0].Source);
        Assert.Equal("delete,compact", configs["cleanup.policy"].Value);
    }

    [Fact]
    public async Task IncrementalAlterConfigs_InvalidChanges_GetKafkaErrorCodes()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        async Task<short> AlterAsync(string topic, string name, sbyte op, string? value) =>
            (await client.SendAsync<IncrementalAlterConfigsResponse>(new IncrementalAlterConfigsRequest
            {
                Resources = [new() { ResourceType = 2, ResourceName = topic, Configs = [new() { Name = name, ConfigOperation = op, Value = value }] }],
            }, 0)).Responses[0].ErrorCode;

        Assert.Equal((short)ErrorCode.InvalidConfig, await AlterAsync("t", "retention.ms", 0, "abc"));
        Assert.Equal((short)ErrorCode.InvalidConfig, await AlterAsync("t", "retention.ms", 2, "1"));
        Assert.Equal((short)ErrorCode.InvalidConfig, await AlterAsync("t", "unknown.key", 0, "1"));
        Assert.Equal((short)ErrorCode.InvalidRequest, await AlterAsync("t", "retention.ms", 9, "1"));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, await AlterAsync("missing", "retention.ms", 0, "1"));
    }

    [Fact]
    public async Task AlterConfigs_DuplicateResourcesAndReadOnlyBrokerConfigs_AreInvalidRequests_InBothApis()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        var legacy = await client.SendAsync<AlterConfigsResponse>(new AlterConfigsRequest
        {
            Resources =
            [
                new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "segment.ms", Value = "60000" }] },
                new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "segment.ms", Value = "70000" }] },
                new() { ResourceType = 4, ResourceName = "1", Configs = [new() { Name = "log.dirs", Value = "/tmp/x" }] },
            ],
        }, 2);
        var incremental = await client.SendAsync<IncrementalAlterConfigsResponse>(new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "segment.ms", ConfigOperation = 0, Value = "60000" }] },
                new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "segment.ms", ConfigOperation = 0, Value = "70000" }] },
                new() { ResourceType = 4, ResourceName = "1", Configs = [new() { Name = "log.dirs", ConfigOperation = 0, Value = "/tmp/x" }] },
            ],
        }, 0);

        Assert.All(legacy.Responses, r => Assert.Equal((short)ErrorCode.InvalidRequest, r.ErrorCode));
        Assert.All(incremental.Responses, r => Assert.Equal((short)ErrorCode.InvalidRequest, r.ErrorCode));
        Assert.Equal("Duplicate resource in request.", legacy.Responses[0].ErrorMessage);
        Assert.Equal("Duplicate resource in request.", incremental.Responses[1].ErrorMessage);
        Assert.Equal("Cannot update these configs dynamically: Set(log.dirs)", legacy.Responses[2].ErrorMessage);
        Assert.Equal("Cannot update these configs dynamically: Set(log.dirs)", incremental.Responses[2].ErrorMessage);
    }

    [Fact]
    public async Task AlterConfigs_ReplacesEveryOverride()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t", configs: new() { ["retention.ms"] = "1000" });

        var response = await client.SendAsync<AlterConfigsResponse>(new AlterConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "segment.ms", Value = "60000" }] }],
        }, 2);

        Assert.Equal((short)ErrorCode.None, response.Responses[0].ErrorCode);
        var configs = (await client.DescribeTopicConfigsAsync("t")).Results[0].Configs.ToDictionary(c => c.Name);
        Assert.Equal(DynamicTopicConfig, configs["segment.ms"].ConfigSource);
        Assert.Equal(DefaultConfig, configs["retention.ms"].ConfigSource);
    }

    [Fact]
    public async Task DescribeConfigs_Broker_ListsStaticAndDefaultConfigs()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["num.partitions"] = "3" });
        using var client = new AdminClient(await broker.ConnectAsync());

        var response = await client.SendAsync<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources =
            [
                new() { ResourceType = 4, ResourceName = "1", ConfigurationKeys = null },
                new() { ResourceType = 4, ResourceName = "7", ConfigurationKeys = null },
                new() { ResourceType = 2, ResourceName = "missing", ConfigurationKeys = null },
            ],
        }, 3);

        var configs = response.Results[0].Configs.ToDictionary(c => c.Name);
        Assert.Equal("3", configs["num.partitions"].Value);
        Assert.Equal(StaticBrokerConfig, configs["num.partitions"].ConfigSource);
        Assert.Equal(DefaultConfig, configs["auto.create.topics.enable"].ConfigSource);
        Assert.Equal((short)ErrorCode.InvalidRequest, response.Results[1].ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, response.Results[2].ErrorCode);
    }
}
