using Gregor.Cluster.Configs;
using Gregor.Storage;

namespace Gregor.Cluster.Tests.Configs;

public sealed class ConfigCatalogueTests
{
    private const string Max = "9223372036854775807";

    // Kafka 4.x's LogConfig / ServerTopicConfigSynonyms: name, type, default, broker synonym.
    public static TheoryData<string, ConfigType, string, string?> TopicKeys => new()
    {
        { "cleanup.policy", ConfigType.List, "delete", "log.cleanup.policy" },
        { "compression.gzip.level", ConfigType.Int, "-1", "compression.gzip.level" },
        { "compression.lz4.level", ConfigType.Int, "9", "compression.lz4.level" },
        { "compression.type", ConfigType.String, "producer", "compression.type" },
        { "compression.zstd.level", ConfigType.Int, "3", "compression.zstd.level" },
        { "delete.retention.ms", ConfigType.Long, "86400000", "log.cleaner.delete.retention.ms" },
        { "file.delete.delay.ms", ConfigType.Long, "60000", "log.segment.delete.delay.ms" },
        { "flush.messages", ConfigType.Long, Max, "log.flush.interval.messages" },
        { "flush.ms", ConfigType.Long, Max, "log.flush.interval.ms" },
        { "follower.replication.throttled.replicas", ConfigType.List, "", null },
        { "index.interval.bytes", ConfigType.Int, "4096", "log.index.interval.bytes" },
        { "leader.replication.throttled.replicas", ConfigType.List, "", null },
        { "local.retention.bytes", ConfigType.Long, "-2", "log.local.retention.bytes" },
        { "local.retention.ms", ConfigType.Long, "-2", "log.local.retention.ms" },
        { "max.compaction.lag.ms", ConfigType.Long, Max, "log.cleaner.max.compaction.lag.ms" },
        { "max.message.bytes", ConfigType.Int, "1048588", "message.max.bytes" },
        { "message.timestamp.after.max.ms", ConfigType.Long, "3600000", "log.message.timestamp.after.max.ms" },
        { "message.timestamp.before.max.ms", ConfigType.Long, Max, "log.message.timestamp.before.max.ms" },
        { "message.timestamp.type", ConfigType.String, "CreateTime", "log.message.timestamp.type" },
        { "min.cleanable.dirty.ratio", ConfigType.Double, "0.5", "log.cleaner.min.cleanable.ratio" },
        { "min.compaction.lag.ms", ConfigType.Long, "0", "log.cleaner.min.compaction.lag.ms" },
        { "min.insync.replicas", ConfigType.Int, "1", "min.insync.replicas" },
        { "preallocate", ConfigType.Boolean, "false", "log.preallocate" },
        { "remote.log.copy.disable", ConfigType.Boolean, "false", null },
        { "remote.log.delete.on.disable", ConfigType.Boolean, "false", null },
        { "remote.storage.enable", ConfigType.Boolean, "false", null },
        { "retention.bytes", ConfigType.Long, "-1", "log.retention.bytes" },
        { "retention.ms", ConfigType.Long, "604800000", "log.retention.ms" },
        { "segment.bytes", ConfigType.Int, "1073741824", "log.segment.bytes" },
        { "segment.index.bytes", ConfigType.Int, "10485760", "log.index.size.max.bytes" },
        { "segment.jitter.ms", ConfigType.Long, "0", "log.roll.jitter.ms" },
        { "segment.ms", ConfigType.Long, "604800000", "log.roll.ms" },
        { "unclean.leader.election.enable", ConfigType.Boolean, "false", "unclean.leader.election.enable" },
    };

    // Broker keys: name, type, default (null = none), update mode.
    public static TheoryData<string, ConfigType, string?, ConfigScope> BrokerKeys => new()
    {
        { "node.id", ConfigType.Int, "1", ConfigScope.ReadOnly },
        { "broker.id", ConfigType.Int, null, ConfigScope.ReadOnly },
        { "listeners", ConfigType.List, "127.0.0.1:9092", ConfigScope.ReadOnly },
        { "advertised.listeners", ConfigType.List, null, ConfigScope.ReadOnly },
        { "log.dirs", ConfigType.List, null, ConfigScope.ReadOnly },
        { "log.dir", ConfigType.String, "./gregor-data", ConfigScope.ReadOnly },
        { "cluster.id", ConfigType.String, null, ConfigScope.ReadOnly },
        { "process.roles", ConfigType.List, "broker,controller", ConfigScope.ReadOnly },
        { "controller.listener.names", ConfigType.List, null, ConfigScope.ReadOnly },
        { "listener.security.protocol.map", ConfigType.List, "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL", ConfigScope.ReadOnly },
        { "broker.rack", ConfigType.String, null, ConfigScope.ReadOnly },
        { "metadata.log.dir", ConfigType.String, null, ConfigScope.ReadOnly },
        { "controller.quorum.voters", ConfigType.List, "", ConfigScope.ReadOnly },
        { "controller.quorum.bootstrap.servers", ConfigType.List, "", ConfigScope.ReadOnly },
        { "controller.quorum.election.timeout.ms", ConfigType.Int, "1000", ConfigScope.ReadOnly },
        { "controller.quorum.fetch.timeout.ms", ConfigType.Int, "2000", ConfigScope.ReadOnly },
        { "controller.quorum.election.backoff.max.ms", ConfigType.Int, "1000", ConfigScope.ReadOnly },
        { "controller.quorum.request.timeout.ms", ConfigType.Int, "2000", ConfigScope.ReadOnly },
        { "broker.heartbeat.interval.ms", ConfigType.Int, "2000", ConfigScope.ReadOnly },
        { "broker.session.timeout.ms", ConfigType.Int, "9000", ConfigScope.ReadOnly },
        { "auto.leader.rebalance.enable", ConfigType.Boolean, "true", ConfigScope.ReadOnly },
        { "leader.imbalance.check.interval.seconds", ConfigType.Long, "300", ConfigScope.ReadOnly },
        { "leader.imbalance.per.broker.percentage", ConfigType.Int, "10", ConfigScope.ReadOnly },
        { "metadata.log.max.record.bytes.between.snapshots", ConfigType.Long, "20971520", ConfigScope.ReadOnly },
        { "metadata.log.max.snapshot.interval.ms", ConfigType.Long, "3600000", ConfigScope.ReadOnly },
        { "num.partitions", ConfigType.Int, "1", ConfigScope.ReadOnly },
        { "default.replication.factor", ConfigType.Short, "1", ConfigScope.ReadOnly },
        { "auto.create.topics.enable", ConfigType.Boolean, "true", ConfigScope.ReadOnly },
        { "delete.topic.enable", ConfigType.Boolean, "true", ConfigScope.ReadOnly },
        { "message.max.bytes", ConfigType.Int, "1048588", ConfigScope.ClusterWide },
        { "min.insync.replicas", ConfigType.Int, "1", ConfigScope.ClusterWide },
        { "compression.type", ConfigType.String, "producer", ConfigScope.ClusterWide },
        { "compression.gzip.level", ConfigType.Int, "-1", ConfigScope.ClusterWide },
        { "compression.lz4.level", ConfigType.Int, "9", ConfigScope.ClusterWide },
        { "compression.zstd.level", ConfigType.Int, "3", ConfigScope.ClusterWide },
        { "unclean.leader.election.enable", ConfigType.Boolean, "false", ConfigScope.ClusterWide },
        { "replica.lag.time.max.ms", ConfigType.Long, "30000", ConfigScope.ReadOnly },
        { "replica.fetch.max.bytes", ConfigType.Int, "1048576", ConfigScope.ReadOnly },
        { "replica.fetch.response.max.bytes", ConfigType.Int, "10485760", ConfigScope.ReadOnly },
        { "replica.fetch.wait.max.ms", ConfigType.Int, "500", ConfigScope.ReadOnly },
        { "replica.fetch.min.bytes", ConfigType.Int, "1", ConfigScope.ReadOnly },
        { "replica.fetch.backoff.ms", ConfigType.Int, "1000", ConfigScope.ReadOnly },
        { "replica.high.watermark.checkpoint.interval.ms", ConfigType.Long, "5000", ConfigScope.ReadOnly },
        { "log.retention.ms", ConfigType.Long, null, ConfigScope.ClusterWide },
        { "log.retention.minutes", ConfigType.Int, null, ConfigScope.ReadOnly },
        { "log.retention.hours", ConfigType.Int, "168", ConfigScope.ReadOnly },
        { "log.retention.bytes", ConfigType.Long, "-1", ConfigScope.ClusterWide },
        { "log.segment.bytes", ConfigType.Int, "1073741824", ConfigScope.ClusterWide },
        { "log.roll.ms", ConfigType.Long, null, ConfigScope.ClusterWide },
        { "log.roll.hours", ConfigType.Int, "168", ConfigScope.ReadOnly },
        { "log.roll.jitter.ms", ConfigType.Long, null, ConfigScope.ClusterWide },
        { "log.roll.jitter.hours", ConfigType.Int, "0", ConfigScope.ReadOnly },
        { "log.segment.delete.delay.ms", ConfigType.Long, "60000", ConfigScope.ClusterWide },
        { "log.index.interval.bytes", ConfigType.Int, "4096", ConfigScope.ClusterWide },
        { "log.index.size.max.bytes", ConfigType.Int, "10485760", ConfigScope.ClusterWide },
        { "log.cleanup.policy", ConfigType.List, "delete", ConfigScope.ClusterWide },
        { "log.flush.interval.messages", ConfigType.Long, Max, ConfigScope.ClusterWide },
        { "log.flush.interval.ms", ConfigType.Long, null, ConfigScope.ClusterWide },
        { "log.flush.scheduler.interval.ms", ConfigType.Long, Max, ConfigScope.ReadOnly },
        { "log.message.timestamp.type", ConfigType.String, "CreateTime", ConfigScope.ClusterWide },
        { "log.message.timestamp.before.max.ms", ConfigType.Long, Max, ConfigScope.ClusterWide },
        { "log.message.timestamp.after.max.ms", ConfigType.Long, "3600000", ConfigScope.ClusterWide },
        { "log.preallocate", ConfigType.Boolean, "false", ConfigScope.ClusterWide },
        { "log.retention.check.interval.ms", ConfigType.Long, "300000", ConfigScope.ReadOnly },
        { "log.cleaner.enable", ConfigType.Boolean, "true", ConfigScope.ReadOnly },
        { "log.cleaner.min.cleanable.ratio", ConfigType.Double, "0.5", ConfigScope.ClusterWide },
        { "log.cleaner.delete.retention.ms", ConfigType.Long, "86400000", ConfigScope.ClusterWide },
        { "log.cleaner.min.compaction.lag.ms", ConfigType.Long, "0", ConfigScope.ClusterWide },
        { "log.cleaner.max.compaction.lag.ms", ConfigType.Long, Max, ConfigScope.ClusterWide },
        { "log.local.retention.ms", ConfigType.Long, "-2", ConfigScope.ClusterWide },
        { "log.local.retention.bytes", ConfigType.Long, "-2", ConfigScope.ClusterWide },
        { "gregor.flush.mode", ConfigType.String, "page-cache", ConfigScope.ReadOnly },
        { "gregor.max.open.segment.files", ConfigType.Int, "1024", ConfigScope.ReadOnly },
        { "socket.request.max.bytes", ConfigType.Int, "104857600", ConfigScope.ReadOnly },
        { "connections.max.idle.ms", ConfigType.Long, "600000", ConfigScope.ReadOnly },
        { "gregor.connection.max.inflight.requests", ConfigType.Int, "64", ConfigScope.ReadOnly },
        { "gregor.connection.max.queued.bytes", ConfigType.Long, "67108864", ConfigScope.ReadOnly },
        { "fetch.max.bytes", ConfigType.Int, "57671680", ConfigScope.ReadOnly },
        { "offsets.topic.num.partitions", ConfigType.Int, "50", ConfigScope.ReadOnly },
        { "offsets.topic.replication.factor", ConfigType.Short, "3", ConfigScope.ReadOnly },
        { "offsets.topic.segment.bytes", ConfigType.Int, "104857600", ConfigScope.ReadOnly },
        { "offsets.retention.minutes", ConfigType.Int, "10080", ConfigScope.ReadOnly },
        { "offsets.retention.check.interval.ms", ConfigType.Long, "600000", ConfigScope.ReadOnly },
        { "offsets.commit.timeout.ms", ConfigType.Int, "5000", ConfigScope.ReadOnly },
        { "offset.metadata.max.bytes", ConfigType.Int, "4096", ConfigScope.ReadOnly },
        { "group.initial.rebalance.delay.ms", ConfigType.Int, "3000", ConfigScope.ReadOnly },
        { "group.min.session.timeout.ms", ConfigType.Int, "6000", ConfigScope.ReadOnly },
        { "group.max.session.timeout.ms", ConfigType.Int, "1800000", ConfigScope.ReadOnly },
        { "group.max.size", ConfigType.Int, "2147483647", ConfigScope.ReadOnly },
        { "group.share.session.timeout.ms", ConfigType.Int, "45000", ConfigScope.ReadOnly },
        { "group.share.heartbeat.interval.ms", ConfigType.Int, "5000", ConfigScope.ReadOnly },
        { "group.share.max.size", ConfigType.Int, "200", ConfigScope.ReadOnly },
        { "group.share.record.lock.duration.ms", ConfigType.Int, "30000", ConfigScope.ReadOnly },
        { "group.share.delivery.count.limit", ConfigType.Int, "5", ConfigScope.ReadOnly },
        { "group.share.partition.max.record.locks", ConfigType.Int, "2000", ConfigScope.ReadOnly },
        { "group.share.max.share.sessions", ConfigType.Int, "2000", ConfigScope.ReadOnly },
        { "producer.id.expiration.ms", ConfigType.Int, "86400000", ConfigScope.ReadOnly },
        { "transactional.id.expiration.ms", ConfigType.Int, "604800000", ConfigScope.ReadOnly },
        { "transaction.max.timeout.ms", ConfigType.Int, "900000", ConfigScope.ReadOnly },
        { "transaction.state.log.num.partitions", ConfigType.Int, "50", ConfigScope.ReadOnly },
        { "gregor.log.level", ConfigType.String, "info", ConfigScope.ReadOnly },
        { "gregor.log.format", ConfigType.String, "text", ConfigScope.ReadOnly },
        { "gregor.http.listen", ConfigType.String, "127.0.0.1:9644", ConfigScope.ReadOnly },
        { "gregor.otlp.endpoint", ConfigType.String, "", ConfigScope.ReadOnly },
    };

    [Theory]
    [MemberData(nameof(TopicKeys))]
    public void TopicKey_HasKafkasTypeDefaultAndBrokerSynonym(string name, ConfigType type, string @default, string? synonym)
    {
        var key = ConfigCatalogue.FindTopic(name);

        Assert.NotNull(key);
        Assert.Equal((type, @default, synonym, ConfigScope.Topic), (key.Type, key.Default, key.BrokerSynonym, key.Scope));
        Assert.Null(key.Validate(@default));
        Assert.False(string.IsNullOrWhiteSpace(key.Documentation));
        if (synonym is not null)
        {
            Assert.NotNull(ConfigCatalogue.FindBroker(synonym));
        }
    }

    [Theory]
    [MemberData(nameof(BrokerKeys))]
    public void BrokerKey_HasItsTypeDefaultAndUpdateMode(string name, ConfigType type, string? @default, ConfigScope scope)
    {
        var key = ConfigCatalogue.FindBroker(name);

        Assert.NotNull(key);
        Assert.Equal((type, @default, scope), (key.Type, key.Default, key.Scope));
        Assert.True(@default is null || key.Validate(@default) is null);
        Assert.False(string.IsNullOrWhiteSpace(key.Documentation));
    }

    [Fact]
    public void TheTablesAboveCoverEveryKey_AndKafka4RemovedKeysAreGone()
    {
        Assert.Equal(ConfigCatalogue.Topic.Keys.Order(), TopicKeys.Select(row => row.Data.Item1).Order());
        Assert.Equal(ConfigCatalogue.Broker.Keys.Order(), BrokerKeys.Select(row => row.Data.Item1).Order());
        Assert.Null(ConfigCatalogue.FindTopic("message.format.version"));
        Assert.Null(ConfigCatalogue.FindTopic("message.downconversion.enable"));
        Assert.Null(ConfigCatalogue.FindTopic("message.timestamp.difference.max.ms"));
    }

    [Theory]
    [InlineData("retention.ms", "abc", "Invalid value abc for configuration retention.ms: Not a number of type LONG")]
    [InlineData("retention.ms", "-2", "Invalid value -2 for configuration retention.ms: Value must be at least -1")]
    [InlineData("segment.bytes", "10", "Invalid value 10 for configuration segment.bytes: Value must be at least 14")]
    [InlineData("segment.bytes", "4294967296", "Invalid value 4294967296 for configuration segment.bytes: Not a number of type INT")]
    [InlineData("cleanup.policy", "compress", "Invalid value compress for configuration cleanup.policy: String must be one of: delete, compact")]
    [InlineData("cleanup.policy", "", "Invalid value  for configuration cleanup.policy: Configuration must not be empty. Valid values include: [delete, compact]")]
    [InlineData("message.timestamp.type", "Now", "Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime")]
    [InlineData("min.cleanable.dirty.ratio", "1.5", "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1")]
    [InlineData("preallocate", "yes", "Invalid value yes for configuration preallocate: Expected value to be either true or false")]
    [InlineData("compression.lz4.level", "18", "Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17")]
    [InlineData("leader.replication.throttled.replicas", "x", "Invalid value x for configuration leader.replication.throttled.replicas: must be the literal '*' or a list of replicas in the format [PartitionId]:[BrokerId],...")]
    [InlineData("unknown.key", "1", "Unknown topic config name: unknown.key")]
    public void ValidateTopic_RejectsWithKafkasMessage(string name, string value, string message) =>
        Assert.Equal(message, ConfigCatalogue.ValidateTopic(name, value));

    [Fact]
    public void ValidateTopic_AcceptsValidValues_AndRefusesNull()
    {
        Assert.Null(ConfigCatalogue.ValidateTopic("cleanup.policy", "compact, delete"));
        Assert.Null(ConfigCatalogue.ValidateTopic("preallocate", "TRUE"));
        Assert.Null(ConfigCatalogue.ValidateTopic("leader.replication.throttled.replicas", "0:1,1:1"));
        Assert.Equal("Null value not supported for topic configs: retention.ms", ConfigCatalogue.ValidateTopic("retention.ms", null));
    }

    [Theory]
    [InlineData("log.retention.hours", "2", "7200000")]
    [InlineData("log.retention.minutes", "3", "180000")]
    [InlineData("log.retention.hours", "-1", "-1")]
    [InlineData("log.retention.ms", "1234", "1234")]
    public void ResolveBroker_ConvertsLowerPrioritySynonyms(string key, string value, string expected) =>
        Assert.Equal(expected, ConfigCatalogue.ResolveBroker(BrokerConfigKeys.LogRetentionMs, new Dictionary<string, string> { [key] = value }));

    [Fact]
    public void ResolveBroker_OwnValueWins_ThenDefaults()
    {
        var both = new Dictionary<string, string> { ["log.retention.ms"] = "5", ["log.retention.hours"] = "1" };
        Assert.Equal("5", ConfigCatalogue.ResolveBroker(BrokerConfigKeys.LogRetentionMs, both));
        Assert.Equal("604800000", ConfigCatalogue.ResolveBroker(BrokerConfigKeys.LogRetentionMs, new Dictionary<string, string>()));
        Assert.Equal(Max, ConfigCatalogue.ResolveBroker(BrokerConfigKeys.LogFlushIntervalMs, new Dictionary<string, string>()));
        Assert.Equal("10", ConfigCatalogue.ResolveBroker(BrokerConfigKeys.LogFlushIntervalMs,
            new Dictionary<string, string> { ["log.flush.scheduler.interval.ms"] = "10" }));
        Assert.Null(ConfigCatalogue.ResolveBroker(BrokerConfigKeys.ClusterId, new Dictionary<string, string>()));
    }

    [Fact]
    public void BrokerSynonyms_AreKafkasChains()
    {
        Assert.Equal(["log.retention.ms", "log.retention.minutes", "log.retention.hours"], ConfigCatalogue.BrokerSynonyms("log.retention.hours"));
        Assert.Equal(["log.roll.ms", "log.roll.hours"], ConfigCatalogue.BrokerSynonyms("log.roll.ms"));
        Assert.Equal(["log.flush.interval.ms", "log.flush.scheduler.interval.ms"], ConfigCatalogue.BrokerSynonyms("log.flush.interval.ms"));
        Assert.Equal(["message.max.bytes"], ConfigCatalogue.BrokerSynonyms("message.max.bytes"));
        Assert.Equal("retention.ms", ConfigCatalogue.TopicKeyFor("log.retention.hours")?.Name);
    }

    [Fact]
    public void TopicDefaults_FollowTheBrokerSynonyms()
    {
        var defaults = ConfigCatalogue.TopicDefaults(new Dictionary<string, string>
        {
            ["log.retention.hours"] = "1",
            ["message.max.bytes"] = "2000",
            ["log.cleanup.policy"] = "compact",
        });

        Assert.Equal("3600000", defaults["retention.ms"]);
        Assert.Equal("2000", defaults["max.message.bytes"]);
        Assert.Equal("compact", defaults["cleanup.policy"]);
        Assert.Equal("1073741824", defaults["segment.bytes"]);
        Assert.Equal("false", defaults["remote.storage.enable"]);
        Assert.Equal(TopicConfigKeys.All.Count, defaults.Count);
    }

    [Fact]
    public void StorageDefaults_EqualTheCataloguesDefaults()
    {
        Assert.Equal(LogConfig.Default, LogConfigFactory.FromBrokerConfig(new Dictionary<string, string>()));
        Assert.Equal(LogConfig.Default, LogConfigFactory.FromTopicConfigs(
            TopicConfigKeys.All.ToDictionary(k => k.Name, k => k.Default!), LogConfig.Default with { RetentionMs = 1 }));
    }
}
