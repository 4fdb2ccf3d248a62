using Gregor.Broker.Tests.Support;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Admin;

/// <summary>
/// Dynamic broker configs (KIP-226) through the wire: AlterConfigs / IncrementalAlterConfigs on a
/// BROKER resource, DescribeConfigs sources and synonyms, live application to hosted partitions,
/// and persistence across a restart.
/// </summary>
public sealed class DynamicBrokerConfigTests
{
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte DynamicBrokerConfig = 2;
    private const sbyte DynamicDefaultBrokerConfig = 3;
    private const sbyte StaticBrokerConfig = 4;
    private const sbyte DefaultConfig = 5;

    private static async Task<IncrementalAlterConfigsResponse.AlterConfigsResourceResponse> AlterAsync(
        AdminClient client, string resource, string name, string? value, sbyte op = 0, bool validateOnly = false) =>
        (await client.SendAsync<IncrementalAlterConfigsResponse>(new IncrementalAlterConfigsRequest
        {
            ValidateOnly = validateOnly,
            Resources = [new() { ResourceType = 4, ResourceName = resource, Configs = [new() { Name = name, ConfigOperation = op, Value = value }] }],
        }, 1)).Responses[0];

    private static async Task<Dictionary<string, DescribeConfigsResponse.DescribeConfigsResourceResult>> DescribeAsync(
        AdminClient client, sbyte type, string name, bool documentation = false)
    {
        var result = (await client.SendAsync<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources = [new() { ResourceType = type, ResourceName = name, ConfigurationKeys = null }],
            IncludeSynonyms = true,
            IncludeDocumentation = documentation,
        }, 4)).Results[0];
        Assert.Equal((short)ErrorCode.None, result.ErrorCode);
        return result.Configs.ToDictionary(c => c.Name);
    }

    [Fact]
    public async Task FreshTopic_ReportsKafkasSynonymsSourcesAndConfigSet()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        var topic = await DescribeAsync(client, 2, "t", documentation: true);

        Assert.All(topic.Values, c => Assert.Equal((DefaultConfig, false, false), (c.ConfigSource, c.ReadOnly, c.IsSensitive)));
        Assert.Equal([("log.segment.bytes", "1073741824", DefaultConfig)], topic["segment.bytes"].Synonyms.Select(s => (s.Name, s.Value, s.Source)));
        Assert.Equal([("log.cleanup.policy", "delete", DefaultConfig)], topic["cleanup.policy"].Synonyms.Select(s => (s.Name, s.Value, s.Source)));
        Assert.Equal([("message.max.bytes", "1048588", DefaultConfig)], topic["max.message.bytes"].Synonyms.Select(s => (s.Name, s.Value, s.Source)));
        // log.retention.ms and log.roll.ms have no default of their own, so Kafka reports no synonym.
        Assert.Empty(topic["retention.ms"].Synonyms);
        Assert.Empty(topic["segment.ms"].Synonyms);
        Assert.Empty(topic["remote.storage.enable"].Synonyms);
        Assert.Equal(7, topic["cleanup.policy"].ConfigType); // LIST
        Assert.False(string.IsNullOrEmpty(topic["retention.ms"].Documentation));
        Assert.DoesNotContain("message.format.version", topic.Keys);
        Assert.DoesNotContain("message.downconversion.enable", topic.Keys);
        Assert.DoesNotContain("message.timestamp.difference.max.ms", topic.Keys);
    }

    [Fact]
    public async Task ClusterDefault_ThenPerBroker_SetTopicDefaults_MostSpecificFirst()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");

        Assert.Equal((short)ErrorCode.None, (await AlterAsync(client, "", "log.retention.ms", "7200000")).ErrorCode);
        var topic = await DescribeAsync(client, 2, "t");
        Assert.Equal("7200000", topic["retention.ms"].Value);
        Assert.Equal(DynamicDefaultBrokerConfig, topic["retention.ms"].ConfigSource);
        Assert.Equal([("log.retention.ms", "7200000", DynamicDefaultBrokerConfig), ("log.retention.hours", "168", DefaultConfig)],
            topic["retention.ms"].Synonyms.Select(s => (s.Name, s.Value, s.Source)));

        Assert.Equal((short)ErrorCode.None, (await AlterAsync(client, "1", "log.retention.ms", "3600000")).ErrorCode);
        topic = await DescribeAsync(client, 2, "t");
        Assert.Equal("3600000", topic["retention.ms"].Value);
        Assert.Equal(DynamicBrokerConfig, topic["retention.ms"].ConfigSource);
        Assert.Equal([DynamicBrokerConfig, DynamicDefaultBrokerConfig, DefaultConfig], topic["retention.ms"].Synonyms.Select(s => s.Source));

        var self = await DescribeAsync(client, 4, "1");
        Assert.Equal("3600000", self["log.retention.ms"].Value);
        Assert.Equal(DynamicBrokerConfig, self["log.retention.ms"].ConfigSource);
        Assert.False(self["log.retention.ms"].ReadOnly);
        var defaults = await DescribeAsync(client, 4, "");
        var entry = Assert.Single(defaults.Values);
        Assert.Equal(("log.retention.ms", "7200000", DynamicDefaultBrokerConfig), (entry.Name, entry.Value, entry.ConfigSource));
        Assert.Equal([DynamicDefaultBrokerConfig], entry.Synonyms.Select(s => s.Source));

        // A topic override still wins over every broker layer.
        await client.SendAsync<IncrementalAlterConfigsResponse>(new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 2, ResourceName = "t", Configs = [new() { Name = "retention.ms", ConfigOperation = 0, Value = "1000" }] }],
        }, 1);
        topic = await DescribeAsync(client, 2, "t");
        Assert.Equal(("1000", DynamicTopicConfig), (topic["retention.ms"].Value, topic["retention.ms"].ConfigSource));
    }

    [Fact]
    public async Task DynamicLogDefaults_ReachHostedPartitionsLive_AndDeleteRestoresTheStaticValue()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["message.max.bytes"] = "500000" });
        using var client = new AdminClient(await broker.ConnectAsync());
        await client.CreateTopicAsync("t");
        await client.CreateTopicAsync("own", configs: new Dictionary<string, string> { ["max.message.bytes"] = "7000" });
        var replicas = broker.Services.GetRequiredService<ReplicaManager>();
        Partition PartitionOf(string topic) => replicas.Partitions.Single(p => p.TopicPartition.Topic == topic);

        Assert.Equal(500000, PartitionOf("t").Limits.MaxMessageBytes);
        Assert.Equal((short)ErrorCode.None, (await AlterAsync(client, "", "message.max.bytes", "2000")).ErrorCode);
        Assert.Equal((short)ErrorCode.None, (await AlterAsync(client, "", "log.retention.ms", "60000")).ErrorCode);

        Assert.Equal(2000, PartitionOf("t").Limits.MaxMessageBytes);
        Assert.Equal(60000, ((StorageReplicaLog)PartitionOf("t").Log).PartitionLog.Config.RetentionMs);
        Assert.Equal(7000, PartitionOf("own").Limits.MaxMessageBytes);

        Assert.Equal((short)ErrorCode.None, (await AlterAsync(client, "", "message.max.bytes", null, op: 1)).ErrorCode);
        Assert.Equal(500000, PartitionOf("t").Limits.MaxMessageBytes);
    }

    [Fact]
    public async Task ReadOnlyKeys_BadValues_WrongBroker_AndValidateOnly_AreRefusedOrNotPersisted()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new AdminClient(await broker.ConnectAsync());

        var readOnly = await AlterAsync(client, "", "num.partitions", "3");
        Assert.Equal(((short)ErrorCode.InvalidRequest, "Cannot update these configs dynamically: Set(num.partitions)"), (readOnly.ErrorCode, readOnly.ErrorMessage));
        var bad = await AlterAsync(client, "1", "log.retention.ms", "soon");
        Assert.Equal(((short)ErrorCode.InvalidRequest, "Invalid value soon for configuration log.retention.ms: Not a number of type LONG"), (bad.ErrorCode, bad.ErrorMessage));
        var other = await AlterAsync(client, "2", "log.retention.ms", "1");
        Assert.Equal(((short)ErrorCode.InvalidRequest, "Unexpected broker id, expected 1, but received 2"), (other.ErrorCode, other.ErrorMessage));
        Assert.Equal((short)ErrorCode.None, (await AlterAsync(client, "", "log.retention.ms", "1", validateOnly: true)).ErrorCode);

        Assert.Empty(await DescribeAsync(client, 4, ""));
        var self = await DescribeAsync(client, 4, "1", documentation: true);
        Assert.Null(self["log.retention.ms"].Value);
        Assert.Equal(DefaultConfig, self["log.retention.ms"].ConfigSource);
        Assert.True(self["num.partitions"].ReadOnly);
        Assert.Equal(DefaultConfig, self["num.partitions"].ConfigSource);
        Assert.False(string.IsNullOrEmpty(self["num.partitions"].Documentation));
    }

    [Fact]
    public async Task UnknownSecretLookingKeys_AreDescribedAsSensitiveWithoutTheirValue()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["ssl.keystore.password"] = "hunter2" });
        using var client = new AdminClient(await broker.ConnectAsync());

        var entry = (await DescribeAsync(client, 4, "1"))["ssl.keystore.password"];

        Assert.True(entry.IsSensitive);
        Assert.Null(entry.Value);
        Assert.All(entry.Synonyms, s => Assert.Null(s.Value));
    }

    [Fact]
    public async Task LegacyAlterConfigs_ReplacesTheResourcesDynamicConfigs_AndTheySurviveARestart()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["log.segment.bytes"] = "1048576" });
        using var client = new AdminClient(await broker.ConnectAsync());
        await AlterAsync(client, "", "log.retention.ms", "7200000");

        var legacy = await client.SendAsync<AlterConfigsResponse>(new AlterConfigsRequest
        {
            Resources = [new() { ResourceType = 4, ResourceName = "", Configs = [new() { Name = "log.segment.bytes", Value = "2097152" }] }],
        }, 2);
        Assert.Equal((short)ErrorCode.None, legacy.Responses[0].ErrorCode);

        await broker.RestartAsync();
        using var again = new AdminClient(await broker.ConnectAsync());
        var defaults = await DescribeAsync(again, 4, "");
        Assert.Equal(["log.segment.bytes"], defaults.Keys);
        var self = await DescribeAsync(again, 4, "1");
        Assert.Equal("2097152", self["log.segment.bytes"].Value);
        Assert.Equal([("log.segment.bytes", "2097152", DynamicDefaultBrokerConfig), ("log.segment.bytes", "1048576", StaticBrokerConfig),
            ("log.segment.bytes", "1073741824", DefaultConfig)], self["log.segment.bytes"].Synonyms.Select(s => (s.Name, s.Value, s.Source)));
    }
}
