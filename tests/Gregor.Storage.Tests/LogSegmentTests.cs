using Gregor.Protocol.Records;
using Gregor.Storage.Segments;

namespace Gregor.Storage.Tests;

public sealed class LogSegmentTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Batch(long baseOffset, int records, int valueSize = 20) => TestBatches.Build(records, baseOffset: baseOffset, valueSize: valueSize);

    // A segment appends what the log validated: validate here as the log does (follower rules: offsets as built).
    private static void Append(LogSegment segment, byte[] bytes, int indexIntervalBytes, long nowMs)
    {
        Assert.Equal(RecordBatchDefect.None, RecordBatchValidator.Validate(bytes, new RecordBatchRules(int.MaxValue, AsLeader: false), out var batch, out _));
        Assert.Equal(bytes.Length, batch.Size);
        segment.Append(bytes, [batch], indexIntervalBytes, nowMs);
    }

    [Fact]
    public void Append_IndexesEveryIntervalAndTracksNextOffsetAndMaxTimestamp()
    {
        using var segment = LogSegment.Create(_dir.Path, 100, 1 << 20, 0);
        var position = 0;
        for (var i = 0; i < 20; i++)
        {
            var batch = Batch(100 + (i * 3), 3);
            Append(segment, batch, indexIntervalBytes: 200, nowMs: 0);
            position += batch.Length;
        }
        Assert.Equal(position, segment.Size);
        Assert.Equal(160, segment.NextOffset);
        Assert.Equal(1_700_000_000_002, segment.MaxTimestamp);
        Assert.True(segment.OffsetIndex.Entries > 3);
        Assert.Equal(position, new FileInfo(segment.LogPath).Length);
    }

    [Fact]
    public void Read_ReturnsRangeOfWholeBatchesFromTheOneHoldingTheOffset()
    {
        using var segment = LogSegment.Create(_dir.Path, 0, 1 << 20, 0);
        var sizes = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            var batch = Batch(i * 2, 2);
            sizes.Add(batch.Length);
            Append(segment, batch, 0, 0);
        }
        var read = segment.Read(5, sizes[0] * 3, long.MaxValue, minOneBatch: true);
        Assert.Equal((sizes[0] * 2L, sizes[0] * 3, 4L, 10L, false), (read.Position, read.Length, read.FirstOffset, read.NextOffset, read.Exhausted));
        Assert.True(segment.Read(20, 1000, long.MaxValue, true).Exhausted);
        var bounded = segment.Read(0, 10_000, maxOffsetExclusive: 3, minOneBatch: true);
        Assert.Equal(sizes[0], bounded.Length);
    }

    [Fact]
    public void TruncateTo_CutsAtTheBatchHoldingTheOffset()
    {
        using var segment = LogSegment.Create(_dir.Path, 0, 1 << 20, 0);
        for (var i = 0; i < 10; i++)
        {
            Append(segment, Batch(i * 4, 4), 50, 0);
        }
        var before = segment.Size;
        var removed = segment.TruncateTo(21);
        Assert.Equal(20, segment.NextOffset);
        Assert.Equal(before - removed, segment.Size);
        Assert.Equal(segment.Size, new FileInfo(segment.LogPath).Length);
        Assert.True(segment.OffsetIndex.LastOffset < 21);
    }

    [Fact]
    public void Recover_CutsTornTailAndRebuildsIndex()
    {
        long validSize;
        using (var segment = LogSegment.Create(_dir.Path, 0, 1 << 20, 0))
        {
            for (var i = 0; i < 10; i++)
            {
                Append(segment, Batch(i * 2, 2), 50, 0);
            }
            validSize = segment.Size;
        }
        var path = Path.Combine(_dir.Path, "00000000000000000000.log");
        using (var stream = new FileStream(path, FileMode.Append))
        {
            stream.Write(Batch(20, 2).AsSpan(0, 40));
        }
        File.Delete(Path.Combine(_dir.Path, "00000000000000000000.index"));
        using var reopened = LogSegment.Open(_dir.Path, 0, 1 << 20, 50, 0);
        var valid = reopened.Recover(50, out var problem);
        Assert.Equal(validSize, valid);
        Assert.NotNull(problem);
        Assert.Equal(20, reopened.NextOffset);
        Assert.True(reopened.OffsetIndex.Entries > 0);
        Assert.Equal(validSize, new FileInfo(path).Length);
    }

    [Fact]
    public void FindOffsetByTimestamp_WalksRecordsOfTheFirstMatchingBatch()
    {
        using var segment = LogSegment.Create(_dir.Path, 0, 1 << 20, 0);
        Append(segment, TestBatches.Build(3, baseOffset: 0, baseTimestamp: 1000), 0, 0);
        Append(segment, TestBatches.Build(3, baseOffset: 3, baseTimestamp: 2000), 0, 0);
        Assert.Equal((4L, 2001L), segment.FindOffsetByTimestamp(2001, 0));
        Assert.Equal((3L, 2000L), segment.FindOffsetByTimestamp(1500, 0));
        Assert.Null(segment.FindOffsetByTimestamp(3000, 0));
    }
}
