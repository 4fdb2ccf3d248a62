using Gregor.Protocol;

namespace Gregor.Storage.Tests;

public sealed class ConcurrencyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task ReadsDuringAppendsRetentionAndCompaction_OnlySeeWholeValidBatches()
    {
        var config = LogConfig.Default with { SegmentBytes = 2000, RetentionBytes = 6000, RetentionMs = -1, Compact = true, Delete = true, MinCleanableDirtyRatio = 0, MaxOpenSegmentFiles = 6 };
        using var log = PartitionLog.Open(_dir.Sub("c-0"), new TopicPartition("c", 0), config);
        using var stop = new CancellationTokenSource();
        var reads = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var result = log.Read(log.LogStartOffset, 3000, long.MaxValue);
                    var batches = TestBatches.Parse(result.ToArray());
                    for (var i = 1; i < batches.Count; i++)
                    {
                        Assert.True(batches[i].First > batches[i - 1].Last);
                    }
                    Interlocked.Increment(ref reads);
                }
                catch (OffsetOutOfRangeException)
                {
                    // Retention moved the log start between reading it and reading from it.
                }
            }
        })).ToArray();
        var maintenance = Task.Run(() =>
        {
            var cleaner = new LogCleaner(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            while (!stop.IsCancellationRequested)
            {
                log.ApplyRetention();
                cleaner.Clean(log, log.LogStartOffset, force: true);
            }
        });
        for (var i = 0; i < 1500; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 30, keyPrefix: $"k{i % 7}-"), 0);
        }
        await Eventually.True(() => Volatile.Read(ref reads) > 50);
        stop.Cancel();
        await Task.WhenAll([.. readers, maintenance]);
        Assert.Equal(3000, log.LogEndOffset);
    }
}
