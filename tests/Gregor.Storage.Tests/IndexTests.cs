using Gregor.Storage.Segments;

namespace Gregor.Storage.Tests;

public sealed class IndexTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void OffsetIndex_LookupFindsLargestEntryAtOrBelowTarget()
    {
        using var index = new OffsetIndex(_dir.Sub("00000000000000000100.index"), 100, 1 << 20);
        index.Append(109, 0);
        index.Append(119, 4100);
        index.Append(129, 8200);
        Assert.Equal((100L, 0), index.Lookup(105));
        Assert.Equal((109L, 0), index.Lookup(110));
        Assert.Equal((119L, 4100), index.Lookup(128));
        Assert.Equal((129L, 8200), index.Lookup(10_000));
        Assert.Equal(24, new FileInfo(index.Path).Length);
    }

    [Fact]
    public void OffsetIndex_FileHoldsBigEndianRelativeEntries()
    {
        var path = _dir.Sub("00000000000000000100.index");
        using (var index = new OffsetIndex(path, 100, 1 << 20))
        {
            index.Append(399, 6144);
        }
        Assert.Equal(new byte[] { 0, 0, 1, 0x2B, 0, 0, 0x18, 0 }, File.ReadAllBytes(path));
    }

    [Fact]
    public void OffsetIndex_TruncateToRemovesEntriesAtOrAfterOffset()
    {
        using var index = new OffsetIndex(_dir.Sub("0.index"), 0, 1 << 20);
        for (var i = 1; i <= 10; i++)
        {
            index.Append(i * 10, i * 100);
        }
        index.TruncateTo(50);
        Assert.Equal(4, index.Entries);
        Assert.Equal(40, index.LastOffset);
        index.Append(45, 450);
        Assert.Equal((45L, 450), index.Lookup(49));
    }

    [Fact]
    public void OffsetIndex_WithTornLastEntry_IsReportedInsane()
    {
        var path = _dir.Sub("0.index");
        using (var index = new OffsetIndex(path, 0, 1 << 20))
        {
            index.Append(10, 100);
        }
        File.AppendAllText(path, "xyz");
        using var reopened = new OffsetIndex(path, 0, 1 << 20);
        Assert.False(reopened.IsSane(1000));
        Assert.Equal(1, reopened.Entries);
    }

    [Fact]
    public void OffsetIndex_IsFullAtSegmentIndexBytes()
    {
        using var index = new OffsetIndex(_dir.Sub("0.index"), 0, 16);
        index.Append(1, 10);
        Assert.False(index.IsFull);
        index.Append(2, 20);
        Assert.True(index.IsFull);
    }

    [Fact]
    public void TimeIndex_KeepsOnlyRisingTimestampsAndLooksUpFloor()
    {
        using var index = new TimeIndex(_dir.Sub("0.timeindex"), 0, 1 << 20);
        index.MaybeAppend(1000, 5);
        index.MaybeAppend(900, 9);
        index.MaybeAppend(2000, 20);
        Assert.Equal(2, index.Entries);
        Assert.Equal((-1L, 0L), index.Lookup(999));
        Assert.Equal((1000L, 5L), index.Lookup(1999));
        Assert.Equal((2000L, 20L), index.Lookup(5000));
        index.TruncateTo(20);
        Assert.Equal(1000, index.LastTimestamp);
    }
}
