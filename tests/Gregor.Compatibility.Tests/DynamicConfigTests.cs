using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests;

/// <summary>
/// Dynamic broker configs and DescribeConfigs synonyms through Confluent.Kafka's admin client
/// against the real broker process: the cluster-wide default and per-broker values, Kafka's
/// sources and synonym chains, a read-only key refused with Kafka's error, and persistence
/// across a restart. librdkafka refuses a resource with an empty name client-side, so the
/// cluster-wide default entity ("") is set with a raw IncrementalAlterConfigs and observed
/// through the client.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class DynamicConfigTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly ConfigResource Broker1 = new() { Type = ResourceType.Broker, Name = "1" };

    private static async Task<Dictionary<string, ConfigEntryResult>> DescribeAsync(IAdminClient admin, ConfigResource resource) =>
        (await admin.DescribeConfigsAsync([resource], new DescribeConfigsOptions { RequestTimeout = Patience })).Single().Entries;

    private static Task SetAsync(IAdminClient admin, ConfigResource resource, string name, string value) =>
        admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = name, Value = value, IncrementalOperation = AlterConfigOpType.Set }],
        });

    private static IEnumerable<(string, string, ConfigSource)> Chain(ConfigEntryResult entry) =>
        entry.Synonyms.Select(s => (s.Name, s.Value, s.Source));

    [Fact]
    public async Task DynamicBrokerConfigs_ClusterDefaultAndPerBroker_AreReportedWithKafkasSources_AndSurviveARestart()
    {
        await using var broker = await GregorProcess.StartAsync(["message.max.bytes=900000"]);
        using var admin = ConfluentClients.Admin(broker);
        const string plain = "confluent-dynamic-plain";
        const string own = "confluent-dynamic-own";
        await admin.CreateTopicsAsync(
        [
            new TopicSpecification { Name = plain, NumPartitions = 1, ReplicationFactor = 1 },
            new TopicSpecification { Name = own, NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "1000" } },
        ]);
        var plainTopic = new ConfigResource { Type = ResourceType.Topic, Name = plain };

        // A fresh topic: DEFAULT_CONFIG everywhere, the broker synonym only where it has a default of its own.
        var fresh = await DescribeAsync(admin, plainTopic);
        Assert.Equal(("604800000", ConfigSource.DefaultConfig), (fresh["retention.ms"].Value, fresh["retention.ms"].Source));
        Assert.Empty(fresh["retention.ms"].Synonyms);
        Assert.Equal([("log.segment.bytes", "1073741824", ConfigSource.DefaultConfig)], Chain(fresh["segment.bytes"]));
        Assert.Equal(("900000", ConfigSource.StaticBrokerConfig), (fresh["max.message.bytes"].Value, fresh["max.message.bytes"].Source));
        Assert.Equal([("message.max.bytes", "900000", ConfigSource.StaticBrokerConfig), ("message.max.bytes", "1048588", ConfigSource.DefaultConfig)],
            Chain(fresh["max.message.bytes"]));
        Assert.DoesNotContain("message.format.version", fresh.Keys);

        Assert.Equal(((short)0, (string?)null), await RawAdminRequests.SetClusterDefaultAsync(broker, "log.retention.ms", "7200000"));
        var topic = await DescribeAsync(admin, plainTopic);
        Assert.Equal(("7200000", ConfigSource.DynamicDefaultBrokerConfig), (topic["retention.ms"].Value, topic["retention.ms"].Source));
        Assert.Equal([("log.retention.ms", "7200000", ConfigSource.DynamicDefaultBrokerConfig), ("log.retention.hours", "168", ConfigSource.DefaultConfig)],
            Chain(topic["retention.ms"]));
        var overridden = (await DescribeAsync(admin, new ConfigResource { Type = ResourceType.Topic, Name = own }))["retention.ms"];
        Assert.Equal(("1000", ConfigSource.DynamicTopicConfig), (overridden.Value, overridden.Source));

        await SetAsync(admin, Broker1, "log.retention.ms", "3600000");
        topic = await DescribeAsync(admin, plainTopic);
        Assert.Equal(("3600000", ConfigSource.DynamicBrokerConfig), (topic["retention.ms"].Value, topic["retention.ms"].Source));
        Assert.Equal([ConfigSource.DynamicBrokerConfig, ConfigSource.DynamicDefaultBrokerConfig, ConfigSource.DefaultConfig],
            topic["retention.ms"].Synonyms.Select(s => s.Source));

        var self = await DescribeAsync(admin, Broker1);
        Assert.Equal(("3600000", ConfigSource.DynamicBrokerConfig, false), (self["log.retention.ms"].Value, self["log.retention.ms"].Source, self["log.retention.ms"].IsReadOnly));
        Assert.True(self["log.dirs"].IsReadOnly);
        Assert.Equal(ConfigSource.StaticBrokerConfig, self["message.max.bytes"].Source);

        await broker.RestartAsync(kill: false);
        using var again = ConfluentClients.Admin(broker);
        await Eventually.True(async () => (await DescribeAsync(again, plainTopic))["retention.ms"].Value == "3600000", Patience,
            "the per-broker retention to survive the restart");
        var retention = (await DescribeAsync(again, Broker1))["log.retention.ms"];
        Assert.Equal([("log.retention.ms", "3600000", ConfigSource.DynamicBrokerConfig), ("log.retention.ms", "7200000", ConfigSource.DynamicDefaultBrokerConfig),
            ("log.retention.hours", "168", ConfigSource.DefaultConfig)], Chain(retention));
    }

    [Fact]
    public async Task ReadOnlyBrokerConfig_IsRefusedWithKafkasError()
    {
        await using var broker = await GregorProcess.StartAsync();
        using var admin = ConfluentClients.Admin(broker);

        var refused = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => SetAsync(admin, Broker1, "num.partitions", "3"));

        var error = refused.Results.Single().Error;
        Assert.Equal(ErrorCode.InvalidRequest, error.Code);
        Assert.Equal("Cannot update these configs dynamically: Set(num.partitions)", error.Reason);
        var numPartitions = (await DescribeAsync(admin, Broker1))["num.partitions"];
        Assert.Equal(("1", ConfigSource.DefaultConfig, true), (numPartitions.Value, numPartitions.Source, numPartitions.IsReadOnly));
        Assert.Equal(((short)42, (string?)"Cannot update these configs dynamically: Set(num.partitions)"),
            await RawAdminRequests.SetClusterDefaultAsync(broker, "num.partitions", "3"));
    }
}
