using Gregor.Cluster.Configs;
using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Cluster.Tests.Configs;

public sealed class LogConfigFactoryTests
{
    [Fact]
    public void FromTopicConfigs_ParsesKafkaNames_AndIgnoresOthers()
    {
        var c = LogConfigFactory.FromTopicConfigs(new Dictionary<string, string>
        {
            ["segment.bytes"] = "1048576",
            ["retention.ms"] = "-1",
            ["cleanup.policy"] = "compact,delete",
            ["message.timestamp.type"] = "LogAppendTime",
            ["min.cleanable.dirty.ratio"] = "0.25",
            ["max.message.bytes"] = "2000",
            ["unrelated.setting"] = "whatever",
        }, LogConfig.Default);

        Assert.Equal(1048576, c.SegmentBytes);
        Assert.Equal(-1, c.RetentionMs);
        Assert.True(c.Compact && c.Delete);
        Assert.Equal(TimestampType.LogAppendTime, c.MessageTimestampType);
        Assert.Equal(0.25, c.MinCleanableDirtyRatio);
        Assert.Equal(2000, c.MaxMessageBytes);
    }

    [Fact]
    public void FromTopicConfigs_OverlaysDefaults_AndAFlushIntervalSelectsIntervalFlushing()
    {
        var c = LogConfigFactory.FromTopicConfigs(new Dictionary<string, string> { ["flush.ms"] = "500" }, LogConfig.Default with { RetentionMs = 1000 });

        Assert.Equal(1000, c.RetentionMs);
        Assert.Equal(500, c.FlushMs);
        Assert.Equal(FlushMode.Interval, c.FlushMode);
    }

    [Theory]
    [InlineData("segment.bytes", "abc")]
    [InlineData("segment.bytes", "10")]
    [InlineData("cleanup.policy", "compress")]
    [InlineData("message.timestamp.type", "Now")]
    [InlineData("min.cleanable.dirty.ratio", "1.5")]
    [InlineData("retention.ms", "-2")]
    public void FromTopicConfigs_InvalidValue_ThrowsArgumentExceptionNamingConfig(string name, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => LogConfigFactory.FromTopicConfigs(new Dictionary<string, string> { [name] = value }, LogConfig.Default));
        Assert.Equal(name, e.ParamName);
        Assert.Contains($"Invalid value {value} for configuration {name}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBrokerConfig_CarriesLogKeysAndGregorStorageKeys()
    {
        var c = LogConfigFactory.FromBrokerConfig(new Dictionary<string, string>
        {
            ["log.retention.hours"] = "2",
            ["log.segment.bytes"] = "1048576",
            ["log.cleanup.policy"] = "compact",
            ["gregor.flush.mode"] = "group-commit",
            ["gregor.max.open.segment.files"] = "16",
            ["message.max.bytes"] = "4096",
        });

        Assert.Equal(7_200_000, c.RetentionMs);
        Assert.Equal(1048576, c.SegmentBytes);
        Assert.True(c.Compact);
        Assert.False(c.Delete);
        Assert.Equal(FlushMode.GroupCommit, c.FlushMode);
        Assert.Equal(16, c.MaxOpenSegmentFiles);
        Assert.Equal(4096, c.MaxMessageBytes);
    }
}
