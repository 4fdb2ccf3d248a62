using Gregor.Protocol.Records;

namespace Gregor.Storage.Tests;

public sealed class LogConfigTests
{
    [Fact]
    public void Defaults_AreKafkas()
    {
        var c = LogConfig.Default;
        Assert.Equal(1L << 30, c.SegmentBytes);
        Assert.Equal(604_800_000L, c.RetentionMs);
        Assert.Equal(-1, c.RetentionBytes);
        Assert.Equal(4096, c.IndexIntervalBytes);
        Assert.Equal(1048588, c.MaxMessageBytes);
        Assert.Equal(FlushMode.PageCache, c.FlushMode);
        Assert.True(c.Delete);
        Assert.False(c.Compact);
    }

    [Fact]
    public void FromProperties_ParsesKafkaNames()
    {
        var c = LogConfig.FromProperties(new Dictionary<string, string>
        {
            ["segment.bytes"] = "1048576",
            ["retention.ms"] = "-1",
            ["cleanup.policy"] = "compact,delete",
            ["message.timestamp.type"] = "LogAppendTime",
            ["min.cleanable.dirty.ratio"] = "0.25",
            ["gregor.flush.mode"] = "group-commit",
            ["unrelated.setting"] = "whatever",
        });
        Assert.Equal(1048576, c.SegmentBytes);
        Assert.Equal(-1, c.RetentionMs);
        Assert.True(c.Compact && c.Delete);
        Assert.Equal(TimestampType.LogAppendTime, c.MessageTimestampType);
        Assert.Equal(0.25, c.MinCleanableDirtyRatio);
        Assert.Equal(FlushMode.GroupCommit, c.FlushMode);
    }

    [Fact]
    public void FromProperties_OverlaysDefaults()
    {
        var defaults = LogConfig.Default with { RetentionMs = 1000 };
        var c = LogConfig.FromProperties(new Dictionary<string, string> { ["flush.ms"] = "500" }, defaults);
        Assert.Equal(1000, c.RetentionMs);
        Assert.Equal(FlushMode.Interval, c.FlushMode);
    }

    [Theory]
    [InlineData("segment.bytes", "abc")]
    [InlineData("segment.bytes", "10")]
    [InlineData("cleanup.policy", "compress")]
    [InlineData("message.timestamp.type", "Now")]
    [InlineData("min.cleanable.dirty.ratio", "1.5")]
    [InlineData("gregor.flush.mode", "sometimes")]
    [InlineData("retention.ms", "-2")]
    public void FromProperties_InvalidValue_ThrowsArgumentExceptionNamingConfig(string name, string value)
    {
        var e = Assert.Throws<ArgumentException>(() => LogConfig.FromProperties(new Dictionary<string, string> { [name] = value }));
        Assert.Contains(name, e.Message);
        Assert.Contains(value, e.Message);
    }
}
