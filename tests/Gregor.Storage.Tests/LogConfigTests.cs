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
}
