using Gregor.Cluster.Replication;

namespace Gregor.Cluster.Tests.Replication;

public sealed class LeaderEpochCheckpointTests
{
    [Fact]
    public void Format_WritesKafkasVersionCountAndEntryLines()
    {
        var text = LeaderEpochCheckpoint.Format([new EpochEntry(0, 0), new EpochEntry(3, 1500)]);

        Assert.Equal("0\n2\n0 0\n3 1500\n", text);
    }

    [Fact]
    public void TryParse_ReadsWhatFormatWrote()
    {
        EpochEntry[] entries = [new EpochEntry(1, 10), new EpochEntry(4, 99), new EpochEntry(7, 1L << 40)];

        Assert.True(LeaderEpochCheckpoint.TryParse(LeaderEpochCheckpoint.Format(entries), out var parsed));

        Assert.Equal(entries, parsed);
    }

    [Fact]
    public void TryParse_EmptyHistoryAndWindowsLineEnds()
    {
        Assert.True(LeaderEpochCheckpoint.TryParse("0\n0\n", out var empty));
        Assert.Empty(empty);
        Assert.True(LeaderEpochCheckpoint.TryParse("0\r\n1\r\n2 5\r\n", out var one));
        Assert.Equal([new EpochEntry(2, 5)], one);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0\n")]
    [InlineData("1\n1\n2 5\n")]            // unknown version
    [InlineData("0\n2\n2 5\n")]            // fewer entries than counted
    [InlineData("0\n1\n2 5\n3 6\n")]       // more entries than counted
    [InlineData("0\n1\n2\n")]              // one field
    [InlineData("0\n1\n2 x\n")]            // not a number
    [InlineData("0\n1\n-2 5\n")]           // negative epoch
    [InlineData("0\n2\n3 5\n2 9\n")]       // epochs not increasing
    [InlineData("0\n2\n2 9\n3 5\n")]       // offsets going back
    [InlineData("0\n99999999999\n")]       // absurd count: no allocation, just false
    public void TryParse_RejectsWhatKafkaWouldNotRead(string text)
    {
        Assert.False(LeaderEpochCheckpoint.TryParse(text, out var entries));
        Assert.Empty(entries);
    }

    [Fact]
    public void Cache_RestoredFromACheckpoint_AnswersAsBefore()
    {
        var cache = new LeaderEpochCache();
        cache.Assign(0, 0);
        cache.Assign(2, 40);
        cache.Assign(5, 90);

        Assert.True(LeaderEpochCheckpoint.TryParse(LeaderEpochCheckpoint.Format(cache.Entries), out var entries));
        var restored = new LeaderEpochCache(entries);

        Assert.Equal(cache.Entries, restored.Entries);
        Assert.Equal(cache.EndOffsetFor(3, 120), restored.EndOffsetFor(3, 120));
    }
}
