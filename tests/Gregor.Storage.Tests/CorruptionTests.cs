using Gregor.Protocol;

namespace Gregor.Storage.Tests;

/// <summary>
/// Damage a log on disk the way a crash or a bad disk would, reopen it, and check that recovery
/// keeps exactly the longest valid prefix and that reads never return a damaged batch.
/// </summary>
public sealed class CorruptionTests : IDisposable
{
    private static readonly TopicPartition Tp = new("x", 0);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Writes batches 0..count-1 (3 records each) and returns the directory and each batch's bytes.</summary>
    private async Task<(string Dir, List<byte[]> Batches)> WriteLog(string name, int count, LogConfig config)
    {
        var dir = _dir.Sub(name);
        var batches = new List<byte[]>();
        var log = PartitionLog.Open(dir, Tp, config);
        for (var i = 0; i < count; i++)
        {
            var batch = TestBatches.Build(3, valueSize: 20 + i, seed: i);
            await log.AppendAsLeaderAsync(batch, 0);
            batches.Add(batch);
        }
        log.CloseUncleanly();
        return (dir, batches);
    }

    private static byte[] ReadAll(PartitionLog log)
    {
        using var result = log.Read(log.LogStartOffset, int.MaxValue, long.MaxValue);
        var bytes = result.ToArray();
        TestBatches.Parse(bytes); // asserts every batch is whole with a valid CRC
        return bytes;
    }

    [Fact]
    public async Task CutAtEveryByteOfLastBatch_RecoversAllEarlierBatchesExactly()
    {
        var (dir, batches) = await WriteLog("source", 5, LogConfig.Default);
        var logFile = Path.Combine(dir, "00000000000000000000.log");
        var full = File.ReadAllBytes(logFile);
        var lastStart = full.Length - batches[^1].Length;
        var expected = full[..lastStart];
        for (var cut = lastStart; cut < full.Length; cut++)
        {
            var copy = _dir.Sub($"cut-{cut}");
            Directory.CreateDirectory(copy);
            File.WriteAllBytes(Path.Combine(copy, "00000000000000000000.log"), full[..cut]);
            using var log = PartitionLog.Open(copy, Tp, LogConfig.Default);
            Assert.Equal(12, log.LogEndOffset);
            Assert.Equal(expected, ReadAll(log));
            Assert.Equal(lastStart, new FileInfo(Path.Combine(copy, "00000000000000000000.log")).Length);
            var next = await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
            Assert.Equal(12, next.FirstOffset);
            log.Close();
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task FlippedByteInAnyBatch_RecoveryKeepsExactlyTheBatchesBeforeIt()
    {
        var seed = Environment.GetEnvironmentVariable("GREGOR_CORRUPTION_SEED") is { } s ? int.Parse(s, System.Globalization.CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        var config = LogConfig.Default with { SegmentBytes = 1000, IndexIntervalBytes = 100, MaxOpenSegmentFiles = 6 };
        var (dir, _) = await WriteLog("source", 30, config);
        var files = Directory.GetFiles(dir, "*.log").Order().ToArray();
        var segments = files.Select(File.ReadAllBytes).ToArray();
        for (var round = 0; round < 40; round++)
        {
            var copy = _dir.Sub($"flip-{round}");
            Directory.CreateDirectory(copy);
            var segmentIndex = random.Next(segments.Length);
            var positions = BatchPositions(segments[segmentIndex]);
            if (positions.Count == 0)
            {
                continue;
            }
            var batchIndex = random.Next(positions.Count);
            var (start, length) = positions[batchIndex];
            // Bytes 0-7 (baseOffset) and 12-15 (leader epoch) lie outside the CRC, as in Kafka.
            int at;
            do
            {
                at = random.Next(length);
            }
            while (at < 8 || (at >= 12 && at < 16));
            for (var i = 0; i < files.Length; i++)
            {
                var bytes = (byte[])segments[i].Clone();
                if (i == segmentIndex)
                {
                    bytes[start + at] ^= (byte)(1 + random.Next(255));
                }
                File.WriteAllBytes(Path.Combine(copy, Path.GetFileName(files[i])), bytes);
            }
            using var log = PartitionLog.Open(copy, Tp, config);
            var expected = segments.Take(segmentIndex).SelectMany(b => b).Concat(segments[segmentIndex][..start]).ToArray();
            var context = $"seed {seed} (GREGOR_CORRUPTION_SEED), round {round}, segment {segmentIndex}, batch {batchIndex}, byte {at}";
            Assert.True(expected.SequenceEqual(ReadAll(log)), context);
            var expectedEnd = expected.Length == 0 ? 0 : TestBatches.Parse(expected)[^1].Last + 1;
            Assert.True(expectedEnd == log.LogEndOffset, context);
            log.Close();
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task GarbageAfterLastBatch_IsCutAndNeverServed()
    {
        var (dir, _) = await WriteLog("source", 3, LogConfig.Default);
        var logFile = Path.Combine(dir, "00000000000000000000.log");
        var before = File.ReadAllBytes(logFile);
        File.AppendAllText(logFile, new string('\0', 100) + "junk");
        using var log = PartitionLog.Open(dir, Tp, LogConfig.Default);
        Assert.Equal(before, ReadAll(log));
        Assert.Equal(9, log.LogEndOffset);
    }

    [Fact]
    public async Task CorruptIndexes_AreRebuilt()
    {
        var config = LogConfig.Default with { IndexIntervalBytes = 50 };
        var (dir, _) = await WriteLog("source", 20, config);
        using (var log = PartitionLog.Open(dir, Tp, config))
        {
            log.Close();
        }
        File.WriteAllBytes(Path.Combine(dir, "00000000000000000000.index"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        File.WriteAllBytes(Path.Combine(dir, "00000000000000000000.timeindex"), [9, 9, 9]);
        using var reopened = PartitionLog.Open(dir, Tp, config);
        using var result = reopened.Read(31, 1, long.MaxValue);
        Assert.Equal([(30L, 32L, 3)], TestBatches.Parse(result.ToArray()));
    }

    [Fact]
    public async Task DamagedSnapshotOrCheckpoint_DoesNotPreventOpen()
    {
        var (dir, _) = await WriteLog("source", 3, LogConfig.Default);
        File.WriteAllText(Path.Combine(dir, "00000000000000000009.snapshot"), "not a snapshot");
        File.WriteAllText(Path.Combine(dir, "leader-epoch-checkpoint"), "0\n5\n1");
        using var log = PartitionLog.Open(dir, Tp, LogConfig.Default);
        Assert.Equal(9, log.LogEndOffset);
    }

    private static List<(int Start, int Length)> BatchPositions(byte[] segment)
    {
        var result = new List<(int, int)>();
        var at = 0;
        while (at < segment.Length)
        {
            var length = 12 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(segment.AsSpan(at + 8));
            result.Add((at, length));
            at += length;
        }
        return result;
    }
}
