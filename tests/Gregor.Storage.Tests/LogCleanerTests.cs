using Gregor.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Storage.Tests;

public sealed class LogCleanerTests : IDisposable
{
    private static readonly TopicPartition Tp = new("c", 0);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Keyed(params (string Key, string? Value)[] records) =>
        TestBatches.Build([.. records.Select(r => ((byte[]?)TestBatches.Bytes(r.Key), r.Value is null ? null : TestBatches.Bytes(r.Value)))]);

    private static List<(long Offset, string? Key, string? Value)> AllRecords(PartitionLog log)
    {
        using var result = log.Read(log.LogStartOffset, int.MaxValue, long.MaxValue);
        return TestBatches.Records(result.ToArray());
    }

    private static readonly LogConfig Compacted = LogConfig.Default with
    {
        Compact = true,
        Delete = false,
        SegmentBytes = 400,
        MinCleanableDirtyRatio = 0,
        RetentionMs = -1,
    };

    [Fact]
    public async Task Clean_KeepsOnlyLatestValuePerKeyAndKeepsOffsets()
    {
        using var log = PartitionLog.Open(_dir.Sub("c-0"), Tp, Compacted);
        for (var round = 0; round < 5; round++)
        {
            await log.AppendAsLeaderAsync(Keyed(("a", $"a{round}"), ("b", $"b{round}"), ($"u{round}", "x")), 0);
        }
        log.Roll();
        var next = new LogCleaner(NullLogger.Instance).Clean(log, 0, force: true);
        Assert.Equal(15, next);
        var records = AllRecords(log);
        Assert.Equal(
            [(2L, "u0", "x"), (5L, "u1", "x"), (8L, "u2", "x"), (11L, "u3", "x"), (12L, "a", "a4"), (13L, "b", "b4"), (14L, "u4", "x")],
            records);
        Assert.Equal(15, log.LogEndOffset);
        var appended = await log.AppendAsLeaderAsync(Keyed(("a", "new")), 0);
        Assert.Equal(15, appended.FirstOffset);
    }

    [Fact]
    public async Task Clean_FiltersCompressedBatchesAndKeepsTheirCodec()
    {
        using var log = PartitionLog.Open(_dir.Sub("c-0"), Tp, Compacted);
        for (var round = 0; round < 3; round++)
        {
            using var builder = new Gregor.Protocol.Records.RecordBatchBuilder { Compression = Gregor.Protocol.Records.CompressionType.Gzip };
            builder.Append(1_700_000_000_000, TestBatches.Bytes("a"), TestBatches.Bytes($"a{round}"));
            builder.Append(1_700_000_000_000, TestBatches.Bytes($"u{round}"), TestBatches.Bytes("x"));
            await log.AppendAsLeaderAsync(builder.ToArray(), 0);
        }
        log.Roll();
        new LogCleaner(NullLogger.Instance).Clean(log, 0, force: true);
        using var result = log.Read(0, int.MaxValue, long.MaxValue);
        var bytes = result.ToArray();
        var seen = new List<(long, string, string)>();
        var at = 0;
        while (at < bytes.Length)
        {
            var batch = Gregor.Protocol.Records.RecordBatch.Read(bytes.AsMemory(at));
            Assert.Equal(Gregor.Protocol.Records.CompressionType.Gzip, batch.Header.Compression);
            using var records = batch.OpenRecords();
            foreach (var record in records)
            {
                seen.Add((record.Offset, System.Text.Encoding.UTF8.GetString(record.Key.Span), System.Text.Encoding.UTF8.GetString(record.Value.Span)));
            }
            at += batch.Header.TotalSize;
        }
        Assert.Equal([(1L, "u0", "x"), (3L, "u1", "x"), (4L, "a", "a2"), (5L, "u2", "x")], seen);
    }

    [Fact]
    public async Task Clean_NeverTouchesActiveSegment()
    {
        using var log = PartitionLog.Open(_dir.Sub("c-0"), Tp, Compacted with { SegmentBytes = 1 << 20 });
        await log.AppendAsLeaderAsync(Keyed(("a", "1")), 0);
        await log.AppendAsLeaderAsync(Keyed(("a", "2")), 0);
        Assert.Null(new LogCleaner(NullLogger.Instance).Clean(log, 0, force: true));
        Assert.Equal(2, AllRecords(log).Count);
    }

    [Fact]
    public async Task Clean_DropsTombstonesOnlyAfterDeleteRetention()
    {
        var time = new ManualTime(1_700_000_000_500);
        using var log = PartitionLog.Open(_dir.Sub("c-0"), Tp, Compacted with { DeleteRetentionMs = 1000 }, time);
        await log.AppendAsLeaderAsync(Keyed(("a", "1"), ("b", "1")), 0);
        await log.AppendAsLeaderAsync(Keyed(("a", null)), 0);
        log.Roll();
        var cleaner = new LogCleaner(NullLogger.Instance);
        cleaner.Clean(log, 0, force: true);
        Assert.Equal([(1L, "b", "1"), (2L, "a", null)], AllRecords(log));
        time.Advance(10_000);
        await log.AppendAsLeaderAsync(Keyed(("c", "1")), 0);
        log.Roll();
        cleaner.Clean(log, 0, force: true);
        Assert.Equal([(1L, "b", "1"), (3L, "c", "1")], AllRecords(log));
    }

    [Fact]
    public async Task Clean_ResultSurvivesUncleanReopen()
    {
        var log = PartitionLog.Open(_dir.Sub("c-0"), Tp, Compacted);
        for (var i = 0; i < 20; i++)
        {
            await log.AppendAsLeaderAsync(Keyed(($"k{i % 3}", $"v{i}")), 0);
        }
        log.Roll();
        new LogCleaner(NullLogger.Instance).Clean(log, 0, force: true);
        var after = AllRecords(log);
        log.CloseUncleanly();
        using var reopened = PartitionLog.Open(_dir.Sub("c-0"), Tp, Compacted);
        Assert.Equal(after, AllRecords(reopened));
        Assert.Equal([(17L, "k2", "v17"), (18L, "k0", "v18"), (19L, "k1", "v19")], after);
    }

    [Fact]
    public async Task InterruptedSwap_IsCompletedOnOpen()
    {
        var dir = _dir.Sub("c-0");
        using (var log = PartitionLog.Open(dir, Tp, Compacted))
        {
            await log.AppendAsLeaderAsync(Keyed(("a", "1")), 0);
            await log.AppendAsLeaderAsync(Keyed(("a", "2")), 0);
            log.Roll();
        }
        // A compaction output that was complete when the process died.
        var swap = Path.Combine(dir, "00000000000000000000.log.swap");
        File.WriteAllBytes(swap, TestBatches.Build([(TestBatches.Bytes("a"), TestBatches.Bytes("2"))], baseOffset: 1));
        File.WriteAllText(Path.Combine(dir, "00000000000000000000.log.cleaned"), "partial");
        File.WriteAllText(Path.Combine(dir, "00000000000000000000.index.swap"), "half-built");
        using var reopened = PartitionLog.Open(dir, Tp, Compacted);
        Assert.Equal([(1L, "a", "2")], AllRecords(reopened));
        Assert.False(File.Exists(swap));
        Assert.Empty(Directory.GetFiles(dir, "*.cleaned"));
        Assert.Empty(Directory.GetFiles(dir, "*.swap"));
    }

    [Fact]
    public async Task LogManager_RunCleaner_CompactsOnlyCompactedTopics()
    {
        using var manager = new LogManager(_dir.Path, LogConfig.Default);
        var compacted = manager.GetOrCreate(new TopicPartition("c", 0), Compacted);
        var plain = manager.GetOrCreate(new TopicPartition("d", 0), Compacted with { Compact = false, Delete = true });
        foreach (var log in new[] { compacted, plain })
        {
            for (var i = 0; i < 10; i++)
            {
                await log.AppendAsLeaderAsync(Keyed(("same", $"v{i}")), 0);
            }
            log.Roll();
        }
        Assert.Equal(1, manager.RunCleaner());
        Assert.Single(AllRecords(compacted));
        Assert.Equal(10, AllRecords(plain).Count);
    }
}
