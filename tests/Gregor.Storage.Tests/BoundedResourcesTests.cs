using System.Diagnostics.Metrics;
using Gregor.Protocol;

namespace Gregor.Storage.Tests;

/// <summary>The open-file budget: idle non-active segments are closed and reopen on demand.</summary>
public sealed class BoundedResourcesTests : IDisposable
{
    private const int FilesPerSegment = 3; // .log, .index, .timeindex
    private const int Budget = 8;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly LogConfig SmallSegments = LogConfig.Default with { SegmentBytes = 700, IndexIntervalBytes = 100, MaxOpenSegmentFiles = Budget, RetentionMs = -1 };

    /// <summary>Appends batches of 3 records (~400 bytes, so about one per segment) until the log has <paramref name="segments"/> segments; returns each batch's bytes by base offset.</summary>
    private static async Task<Dictionary<long, byte[]>> FillAsync(PartitionLog log, int segments, int seed)
    {
        var written = new Dictionary<long, byte[]>();
        var i = 0;
        while (log.SegmentCount < segments)
        {
            var batch = TestBatches.Build(3, valueSize: 100, seed: seed + i++);
            var result = await log.AppendAsLeaderAsync(batch, leaderEpoch: 0, TestContext.Current.CancellationToken);
            written[result.FirstOffset] = batch;
        }
        // Rolls flush the finished segment in the background (reopening it): let that settle.
        await Eventually.True(() => log.RecoveryPoint >= log.SegmentBaseOffsets[^1]);
        return written;
    }

    private static List<(long First, long Last, int Records)> ReadBatchAt(PartitionLog log, long offset, out byte[] bytes)
    {
        using var result = log.Read(offset, maxBytes: 1, maxOffsetExclusive: long.MaxValue);
        bytes = result.ToArray();
        return TestBatches.Parse(bytes);
    }

    [Fact]
    public async Task ReadingEverySegment_AcrossPartitionsWithSmallBudget_KeepsOpenFilesBoundedAndBytesCorrect()
    {
        using var manager = new LogManager(_dir.Path, SmallSegments);
        var logs = new List<(PartitionLog Log, Dictionary<long, byte[]> Written)>();
        for (var p = 0; p < 3; p++)
        {
            var log = manager.GetOrCreate(new TopicPartition("bounded", p), SmallSegments);
            logs.Add((log, await FillAsync(log, 11, seed: p * 1000)));
        }
        Assert.True(logs.Sum(l => l.Log.SegmentCount - 1) >= 30, "at least 30 rolled segments");
        var activeFiles = logs.Count * FilesPerSegment;
        // Active segments always stay open; beyond the budget only the segment being read (in use
        // while the budget evicts) may be open.
        var bound = Math.Max(Budget, activeFiles + FilesPerSegment);
        var maxSeen = 0;
        var random = new Random(42);
        var reads = logs.SelectMany(l => l.Written.Select(w => (l.Log, Offset: w.Key, Bytes: w.Value))).OrderBy(_ => random.Next()).ToList();
        for (var round = 0; round < 2; round++)
        {
            foreach (var (log, offset, expected) in reads)
            {
                var batches = ReadBatchAt(log, offset, out var bytes);
                Assert.Equal(offset, batches[0].First);
                Assert.Equal(expected.AsSpan(12).ToArray(), bytes.AsSpan(12, expected.Length - 12).ToArray()); // past baseOffset+length (baseOffset is assigned)
                maxSeen = Math.Max(maxSeen, manager.OpenSegmentFiles);
                Assert.True(manager.OpenSegmentFiles <= bound, $"{manager.OpenSegmentFiles} files open, bound {bound}");
            }
        }
        Assert.True(maxSeen > 0);
        Assert.All(logs, l => Assert.True(l.Log.OpenSegmentCount < l.Log.SegmentCount, "idle segments were closed"));
        Assert.All(logs, l => Assert.True(l.Log.SegmentsSnapshot[^1].IsOpen, "the active segment stays open"));
    }

    [Fact]
    public async Task ReadResult_HeldAcrossEvictionPressure_StillReadsItsBytes()
    {
        using var log = PartitionLog.Open(_dir.Sub("held-0"), new TopicPartition("held", 0), SmallSegments);
        var written = await FillAsync(log, 30, seed: 7);
        var firstOffset = written.Keys.Min();
        using var held = log.Read(firstOffset, maxBytes: 1, maxOffsetExclusive: long.MaxValue);
        var expected = held.ToArray();
        foreach (var offset in written.Keys.Order().Skip(1))
        {
            ReadBatchAt(log, offset, out _);
            // The pinned .log file is the only one allowed beyond the budget and the segment in use.
            Assert.True(log.OpenSegmentFiles <= Budget + FilesPerSegment + 1, $"{log.OpenSegmentFiles} files open");
        }
        Assert.True(log.OpenSegmentCount <= 3, $"{log.OpenSegmentCount} segments still open");
        Assert.Equal(expected, held.ToArray());
        var beforeDispose = log.OpenSegmentFiles;
        held.Dispose();
        Assert.True(log.OpenSegmentFiles < beforeDispose || log.OpenSegmentCount == log.SegmentCount, "the pinned file closes with the result");
    }

    [Fact]
    public async Task ClosedSegments_ReopenForReadsTimestampLookupsDeletionAndTruncation()
    {
        var dir = _dir.Sub("reopen-0");
        var tp = new TopicPartition("reopen", 0);
        Dictionary<long, byte[]> written;
        using (var log = PartitionLog.Open(dir, tp, SmallSegments))
        {
            written = await FillAsync(log, 20, seed: 3);
            Assert.True(log.OpenSegmentCount < log.SegmentCount, "some segments are closed");
            var first = written.Keys.Min();
            Assert.Equal(first, ReadBatchAt(log, first, out _)[0].First);
            Assert.Equal(first, log.FindOffsetByTimestamp(0)?.Offset);
        }
        using (var log = PartitionLog.Open(dir, tp, SmallSegments))
        {
            Assert.True(log.WasCleanShutdown);
            Assert.True(log.SegmentsSnapshot[^1].IsOpen, "the active segment is open after loading under a small budget");
            Assert.True(log.OpenSegmentFiles <= Budget + FilesPerSegment, $"{log.OpenSegmentFiles} files open after load");
            foreach (var (offset, batch) in written.OrderBy(w => w.Key))
            {
                var batches = ReadBatchAt(log, offset, out var bytes);
                Assert.Equal(offset, batches[0].First);
                Assert.Equal(batch.Length, bytes.Length);
            }
            Assert.True(log.OpenSegmentFiles <= Budget + FilesPerSegment);
            var offsets = written.Keys.Order().ToList();
            var middle = offsets[offsets.Count / 2];
            log.DeleteRecordsBefore(offsets[2]);
            log.TruncateTo(middle);
            Assert.Equal(middle, log.LogEndOffset);
            using var all = log.Read(log.LogStartOffset, int.MaxValue, long.MaxValue);
            var parsed = TestBatches.Parse(all.ToArray());
            Assert.Equal(offsets.Where(o => o >= offsets[2] && o < middle), parsed.Select(b => b.First));
        }
    }

    [Fact]
    public async Task OpenSegmentFiles_IsReportedOnTheStorageMeter()
    {
        using var manager = new LogManager(_dir.Path, SmallSegments);
        var log = manager.GetOrCreate(new TopicPartition("metered", 0), SmallSegments);
        await FillAsync(log, 5, seed: 1);
        long observed = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Gregor.Storage" && instrument.Name == "gregor.storage.segment_files.open")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => observed = value);
        listener.Start();
        listener.RecordObservableInstruments();
        // Process-wide: at least this manager's files (other tests may hold more).
        Assert.True(manager.OpenSegmentFiles >= FilesPerSegment);
        Assert.True(observed >= manager.OpenSegmentFiles, $"metric {observed}, manager {manager.OpenSegmentFiles}");
    }
}
