using Gregor.Broker.Config;
using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Broker.Tests.Config;

/// <summary>Typed broker config: Kafka defaults, precedence rules, validation messages.</summary>
public sealed class BrokerConfigTests
{
    [Fact]
    public void Default_MatchesKafkaDefaultsAndGregorServeDefaults()
    {
        var config = BrokerConfig.Default;

        Assert.Equal(1, config.NodeId);
        Assert.Equal("127.0.0.1:9092", Assert.Single(config.Listeners).ToString());
        Assert.Equal("./gregor-data", config.DataDir);
        Assert.True(config.AutoCreateTopicsEnable);
        Assert.Equal(1, config.NumPartitions);
        Assert.Equal(1, config.DefaultReplicationFactor);
        Assert.Equal(1048588, config.MessageMaxBytes);
        Assert.Equal(104857600, config.SocketRequestMaxBytes);
        Assert.Equal(600_000, config.ConnectionsMaxIdleMs);
        Assert.Equal(168L * 3600 * 1000, config.LogRetentionMs);
        Assert.Equal(1024 * 1024 * 1024, config.LogSegmentBytes);
        Assert.Equal(10080, config.OffsetsRetentionMinutes);
        Assert.Equal(50, config.OffsetsTopicNumPartitions);
        Assert.Equal(3000, config.GroupInitialRebalanceDelayMs);
        Assert.Equal(6000, config.GroupMinSessionTimeoutMs);
        Assert.Equal(1_800_000, config.GroupMaxSessionTimeoutMs);
        Assert.Empty(config.UnknownKeys);
    }

    [Fact]
    public void Parse_TypedValues_AreRead()
    {
        var config = BrokerConfig.Parse(new Dictionary<string, string>
        {
            ["node.id"] = "7",
            ["listeners"] = "PLAINTEXT://0.0.0.0:9093",
            ["advertised.listeners"] = "broker.example:19093",
            ["log.dirs"] = "/data/a,/data/b",
            ["num.partitions"] = " 6 ",
            ["auto.create.topics.enable"] = "FALSE",
            ["log.cleaner.min.cleanable.ratio"] = "0.25",
            ["log.cleanup.policy"] = "compact, delete",
        });

        Assert.Equal(7, config.NodeId);
        var listener = Assert.Single(config.Listeners);
        Assert.Equal(("PLAINTEXT", "0.0.0.0", 9093), (listener.Name, listener.Host, listener.Port));
        Assert.Equal("broker.example:19093", Assert.Single(config.AdvertisedListeners).ToString());
        Assert.Equal("/data/a", config.DataDir);
        Assert.Equal(6, config.NumPartitions);
        Assert.False(config.AutoCreateTopicsEnable);
        Assert.Equal(0.25, config.LogCleanerMinCleanableRatio);
        Assert.Equal("compact,delete", config.LogCleanupPolicy);
    }

    [Theory]
    [InlineData("log.retention.hours", "2", 2L * 3_600_000)]
    [InlineData("log.retention.minutes", "3", 3L * 60_000)]
    [InlineData("log.retention.ms", "1234", 1234L)]
    [InlineData("log.retention.ms", "-1", -1L)]
    public void RetentionMs_FollowsKafkaPrecedence(string key, string value, long expected)
    {
        var values = new Dictionary<string, string> { [key] = value };
        if (key != "log.retention.hours")
        {
            values["log.retention.hours"] = "99"; // the finer-grained key wins
        }

        Assert.Equal(expected, BrokerConfig.Parse(values).LogRetentionMs);
    }

    [Theory]
    [InlineData("num.partitions", "abc", "Invalid value abc for configuration num.partitions: Not a number of type INT")]
    [InlineData("num.partitions", "0", "Invalid value 0 for configuration num.partitions: Value must be at least 1")]
    [InlineData("auto.create.topics.enable", "yes", "Expected value to be either true or false")]
    [InlineData("log.message.timestamp.type", "Wall", "String must be one of: CreateTime, LogAppendTime")]
    [InlineData("listeners", "no-port", "Invalid value no-port for configuration listeners")]
    [InlineData("listeners", "127.0.0.1:70000", "the port must be a number from 0 to 65535")]
    [InlineData("log.cleanup.policy", "shred", "String must be one of: compact, delete")]
    [InlineData("default.replication.factor", "40000", "Not a number of type SHORT")]
    public void Parse_InvalidValue_ThrowsWithKafkaStyleMessage(string key, string value, string message)
    {
        var error = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Parse(new Dictionary<string, string> { [key] = value }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeys_AreKeptAndListed()
    {
        var config = BrokerConfig.Parse(new Dictionary<string, string>
        {
            ["ssl.keystore.location"] = "/x",
            ["num.partitions"] = "2",
        });

        Assert.Equal(["ssl.keystore.location"], config.UnknownKeys);
        Assert.Equal("/x", config.Values["ssl.keystore.location"]);
    }

    [Fact]
    public void With_ReplacesKeysAndRevalidates()
    {
        var config = BrokerConfig.Parse(new Dictionary<string, string> { ["num.partitions"] = "2", ["node.id"] = "4" });

        var changed = config.With(new Dictionary<string, string> { ["num.partitions"] = "5" });

        Assert.Equal(5, changed.NumPartitions);
        Assert.Equal(4, changed.NodeId);
        Assert.Throws<BrokerConfigException>(() => config.With(new Dictionary<string, string> { ["num.partitions"] = "-5" }));
    }

    [Fact]
    public void Parse_MinSessionTimeoutAboveMax_IsRejected()
    {
        var error = Assert.Throws<BrokerConfigException>(() => BrokerConfig.Parse(new Dictionary<string, string>
        {
            ["group.min.session.timeout.ms"] = "10000",
            ["group.max.session.timeout.ms"] = "5000",
        }));

        Assert.Contains("group.min.session.timeout.ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Listener_Ipv6InBrackets_IsParsed()
    {
        var listener = ListenerAddress.Parse("[::1]:9092", "listeners");

        Assert.Equal(("::1", 9092), (listener.Host, listener.Port));
        Assert.Equal("[::1]:9092", listener.ToString());
    }

    [Fact]
    public void LogDefaults_CarryTheLogKeysIntoStorageConfig()
    {
        var config = BrokerConfig.Parse(new Dictionary<string, string>
        {
            ["log.segment.bytes"] = "1048576",
            ["log.retention.hours"] = "1",
            ["log.retention.bytes"] = "5000000",
            ["log.cleanup.policy"] = "compact",
            ["log.message.timestamp.type"] = "LogAppendTime",
            ["message.max.bytes"] = "2000000",
            ["log.flush.interval.messages"] = "1000",
        });

        var log = config.LogDefaults;

        Assert.Equal(1048576, log.SegmentBytes);
        Assert.Equal(3_600_000, log.RetentionMs);
        Assert.Equal(5_000_000, log.RetentionBytes);
        Assert.True(log.Compact);
        Assert.False(log.Delete);
        Assert.Equal(TimestampType.LogAppendTime, log.MessageTimestampType);
        Assert.Equal(2_000_000, log.MaxMessageBytes);
        Assert.Equal(1000, log.FlushMessages);
        Assert.Equal(FlushMode.Interval, log.FlushMode);
    }

    [Fact]
    public void LogDefaults_WithoutLogKeys_EqualStorageDefaults()
    {
        Assert.Equal(LogConfig.Default, BrokerConfig.Default.LogDefaults);
    }

    [Fact]
    public void LogDefaults_MaxOpenSegmentFiles_ReachesStorage()
    {
        var config = BrokerConfig.Parse(new Dictionary<string, string> { ["gregor.max.open.segment.files"] = "64" });

        Assert.Equal(64, config.LogDefaults.MaxOpenSegmentFiles);
        Assert.Throws<BrokerConfigException>(() =>
            BrokerConfig.Parse(new Dictionary<string, string> { ["gregor.max.open.segment.files"] = "0" }));
    }
}
