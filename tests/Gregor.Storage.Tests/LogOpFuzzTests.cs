using System.Globalization;
using Gregor.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Storage.Tests;

/// <summary>
/// Seeded random operations (append, roll, read, truncate, delete-records, retention,
/// compaction, clean and unclean reopen) on a real log, checked after every step against a
/// simple in-memory model: the list of batches the log must hold. A failure names its seed;
/// replay one with GREGOR_FUZZ_SEED=&lt;seed&gt;.
/// </summary>
public sealed class LogOpFuzzTests : IDisposable
{
    private static readonly TopicPartition Tp = new("fuzz", 0);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        if (Environment.GetEnvironmentVariable("GREGOR_FUZZ_SEED") is { } fixedSeed)
        {
            data.Add(int.Parse(fixedSeed, CultureInfo.InvariantCulture));
            return data;
        }
        var start = Random.Shared.Next(1_000_000);
        for (var i = 0; i < 4; i++)
        {
            data.Add(start + i);
        }
        return data;
    }

    private sealed record ModelBatch(long First, long Last, byte[] Bytes);

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomOperations_MatchInMemoryModel(int seed)
    {
        var random = new Random(seed);
        var compact = random.Next(2) == 0;
        var config = LogConfig.Default with
        {
            SegmentBytes = random.Next(800, 3000),
            IndexIntervalBytes = random.Next(0, 500),
            RetentionMs = -1,
            RetentionBytes = -1,
            Compact = compact,
            MinCleanableDirtyRatio = 0,
            MaxOpenSegmentFiles = random.Next(1, 13), // segments keep being closed and reopened
        };
        var dir = _dir.Sub($"fuzz-{seed}");
        var log = PartitionLog.Open(dir, Tp, config);
        var model = new List<ModelBatch>();
        long logStart = 0, logEnd = 0;
        var trace = new List<string>();
        try
        {
            for (var step = 0; step < 200; step++)
            {
                var op = random.Next(100);
                if (op < 45)
                {
                    var count = random.Next(1, 6);
                    var batch = TestBatches.Build(count, valueSize: random.Next(0, 120), keyPrefix: $"k{random.Next(4)}-", seed: step);
                    trace.Add($"append {count}");
                    var result = await log.AppendAsLeaderAsync(batch, 0);
                    Assert.Equal(logEnd, result.FirstOffset);
                    model.Add(new ModelBatch(logEnd, logEnd + count - 1, batch));
                    logEnd += count;
                }
                else if (op < 65)
                {
                    var start = logStart + random.NextInt64(logEnd - logStart + 1);
                    var maxBytes = random.Next(1, 4000);
                    var maxOffset = logStart + random.NextInt64(logEnd - logStart + 2);
                    trace.Add($"read {start} {maxBytes} {maxOffset}");
                    using var read = log.Read(start, maxBytes, maxOffset);
                    var expected = new List<byte>();
                    foreach (var b in model.Where(b => b.Last >= start))
                    {
                        if (b.Last >= maxOffset || (expected.Count > 0 && expected.Count + b.Bytes.Length > maxBytes))
                        {
                            break;
                        }
                        expected.AddRange(b.Bytes);
                        if (expected.Count >= maxBytes)
                        {
                            break;
                        }
                    }
                    Assert.Equal(expected.ToArray(), read.ToArray());
                }
                else if (op < 70)
                {
                    trace.Add("roll");
                    log.Roll();
                }
                else if (op < 75 && logEnd > logStart)
                {
                    var offset = logStart + random.NextInt64(logEnd - logStart);
                    trace.Add($"truncate {offset}");
                    var bases = log.SegmentBaseOffsets;
                    var remainingBase = bases.Where(b => b < offset).DefaultIfEmpty(bases[0]).Max();
                    log.TruncateTo(offset);
                    model.RemoveAll(b => b.Last >= offset);
                    if (offset <= logStart || model.Count == 0)
                    {
                        model.Clear();
                        logStart = logEnd = offset;
                    }
                    else
                    {
                        // The log ends after its last batch, or at the base of an emptied active segment
                        // (compaction can leave gaps below it).
                        logEnd = Math.Max(model[^1].Last + 1, remainingBase);
                    }
                }
                else if (op < 79)
                {
                    var offset = logStart + random.NextInt64(logEnd - logStart + 1);
                    trace.Add($"delete-records {offset}");
                    Assert.Equal(offset, log.DeleteRecordsBefore(offset));
                    logStart = offset;
                    model.RemoveAll(b => b.Last < logStart);
                }
                else if (op < 84)
                {
                    var limit = random.Next(500, 5000);
                    trace.Add($"retention.bytes {limit}");
                    log.UpdateConfig(log.Config with { RetentionBytes = limit });
                    log.ApplyRetention();
                    log.UpdateConfig(log.Config with { RetentionBytes = -1 });
                    Assert.True(log.LogStartOffset >= logStart);
                    Assert.Equal(logEnd, log.LogEndOffset);
                    if (log.LogStartOffset > logStart)
                    {
                        logStart = log.LogStartOffset;
                        Assert.True(model.All(b => b.Last < logStart || b.First >= logStart), "retention starts the log at a batch boundary");
                        model.RemoveAll(b => b.Last < logStart);
                    }
                }
                else if (op < 89 && compact)
                {
                    trace.Add("compact");
                    new LogCleaner(NullLogger.Instance).Clean(log, logStart, force: true);
                    model = CheckCompaction(log, model, logStart);
                }
                else if (op < 95)
                {
                    trace.Add("reopen clean");
                    log.Close();
                    log = PartitionLog.Open(dir, Tp, config);
                }
                else
                {
                    trace.Add("reopen unclean");
                    log.CloseUncleanly();
                    log = PartitionLog.Open(dir, Tp, config);
                    // A standalone log without checkpoints restarts at its first segment.
                    if (log.LogStartOffset < logStart)
                    {
                        log.DeleteRecordsBefore(logStart);
                    }
                }
                trace[^1] += $" -> [{log.LogStartOffset}, {log.LogEndOffset}) {string.Join(" ", log.SegmentsSnapshot.Select(s => $"{s.BaseOffset}:{s.Size}:{s.NextOffset}"))}";
                Assert.Equal(logEnd, log.LogEndOffset);
                Assert.Equal(logStart, log.LogStartOffset);
            }
            using var all = log.Read(logStart, int.MaxValue, long.MaxValue);
            Assert.Equal(model.SelectMany(b => b.Bytes).ToArray(), all.ToArray());
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException(
                $"fuzz seed {seed} failed (replay: GREGOR_FUZZ_SEED={seed}); last ops: {string.Join("\n", trace.TakeLast(int.Parse(Environment.GetEnvironmentVariable("GREGOR_FUZZ_TRACE") ?? "12", CultureInfo.InvariantCulture)))}\n"
                + $"model [{logStart}, {logEnd}): {string.Join(" ", model.Select(b => $"{b.First}-{b.Last}"))}\n"
                + $"segments: {string.Join(" ", log.SegmentsSnapshot.Select(s => $"{s.BaseOffset}:{s.Size}:{s.NextOffset}"))}\n{e}");
        }
        finally
        {
            log.Dispose();
        }
    }

    /// <summary>
    /// After compaction every remaining batch keeps its offsets, holds a subset of its original
    /// records, and the newest record of every key is still there. Returns the new model.
    /// </summary>
    private static List<ModelBatch> CheckCompaction(PartitionLog log, List<ModelBatch> model, long logStart)
    {
        var latest = new Dictionary<string, long>();
        foreach (var batch in model)
        {
            foreach (var (offset, key, _) in TestBatches.Records(batch.Bytes))
            {
                latest[key!] = offset;
            }
        }
        using var read = log.Read(logStart, int.MaxValue, long.MaxValue);
        var bytes = read.ToArray();
        var after = new List<ModelBatch>();
        var at = 0;
        foreach (var (first, last, _) in TestBatches.Parse(bytes))
        {
            var length = 12 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 8));
            var batchBytes = bytes[at..(at + length)];
            at += length;
            var original = Assert.Single(model, b => b.First == first && b.Last == last);
            var originalRecords = TestBatches.Records(original.Bytes);
            Assert.All(TestBatches.Records(batchBytes), r => Assert.Contains(r, originalRecords));
            after.Add(new ModelBatch(first, last, batchBytes));
        }
        var kept = after.SelectMany(b => TestBatches.Records(b.Bytes)).Select(r => r.Offset).ToHashSet();
        Assert.All(latest, kv => Assert.Contains(kv.Value, kept));
        return after;
    }
}
