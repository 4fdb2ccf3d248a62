using Gregor.Protocol;

namespace Gregor.Storage.Tests;

public sealed class LogManagerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Reopen_FindsPartitionsWithTheirData()
    {
        using (var manager = new LogManager(_dir.Path, LogConfig.Default))
        {
            var a = manager.GetOrCreate(new TopicPartition("orders", 0), LogConfig.Default);
            var b = manager.GetOrCreate(new TopicPartition("my-topic", 12), LogConfig.Default);
            await a.AppendAsLeaderAsync(TestBatches.Build(3), 0);
            await b.AppendAsLeaderAsync(TestBatches.Build(5), 0);
            Assert.Same(a, manager.GetOrCreate(new TopicPartition("orders", 0), LogConfig.Default));
        }
        using var reopened = new LogManager(_dir.Path, LogConfig.Default);
        Assert.Equal(2, reopened.All.Count);
        Assert.Equal(3, reopened.Get(new TopicPartition("orders", 0))!.LogEndOffset);
        Assert.Equal(5, reopened.Get(new TopicPartition("my-topic", 12))!.LogEndOffset);
        var checkpoint = File.ReadAllLines(Path.Combine(_dir.Path, LogManager.RecoveryPointCheckpoint));
        Assert.Equal("0", checkpoint[0]);
        Assert.Equal("2", checkpoint[1]);
        Assert.Contains("orders 0 3", checkpoint);
        Assert.Contains("my-topic 12 5", checkpoint);
    }

    [Fact]
    public void SecondManagerOnSameDirectory_ThrowsIOException()
    {
        using var first = new LogManager(_dir.Path, LogConfig.Default);
        var e = Assert.Throws<IOException>(() => new LogManager(_dir.Path, LogConfig.Default));
        Assert.Contains("in use", e.Message);
    }

    [Fact]
    public void UnusableDirectory_ThrowsClearIOException()
    {
        var file = _dir.Sub("not-a-dir");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<IOException>(() => new LogManager(file, LogConfig.Default));
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public async Task Delete_RenamesDirectoryAndRemovesItInBackground()
    {
        using var manager = new LogManager(_dir.Path, LogConfig.Default);
        var tp = new TopicPartition("gone", 0);
        var log = manager.GetOrCreate(tp, LogConfig.Default);
        await log.AppendAsLeaderAsync(TestBatches.Build(2), 0);
        manager.Delete(tp);
        Assert.Null(manager.Get(tp));
        Assert.False(Directory.Exists(_dir.Sub("gone-0")));
        await Eventually.True(() => !Directory.EnumerateDirectories(_dir.Path).Any());
        var fresh = manager.GetOrCreate(tp, LogConfig.Default);
        Assert.Equal(0, fresh.LogEndOffset);
    }

    [Fact]
    public async Task GetOrCreate_WithNewConfig_UpdatesExistingLog()
    {
        using var manager = new LogManager(_dir.Path, LogConfig.Default);
        var tp = new TopicPartition("t", 0);
        manager.GetOrCreate(tp, LogConfig.Default);
        var log = manager.GetOrCreate(tp, LogConfig.Default with { FlushMode = FlushMode.GroupCommit });
        Assert.Equal(FlushMode.GroupCommit, log.Config.FlushMode);
        await log.AppendAsLeaderAsync(TestBatches.Build(1), 0);
        Assert.Equal(1, log.DurableOffset);
    }

    [Fact]
    public async Task RunRetention_AppliesEachLogsConfig()
    {
        using var manager = new LogManager(_dir.Path, LogConfig.Default);
        var config = LogConfig.Default with { SegmentBytes = 300, RetentionBytes = 300, RetentionMs = -1 };
        var log = manager.GetOrCreate(new TopicPartition("t", 0), config);
        var keep = manager.GetOrCreate(new TopicPartition("t", 1), LogConfig.Default with { SegmentBytes = 300, RetentionMs = -1 });
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
            await keep.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
        }
        Assert.True(manager.RunRetention() > 0);
        Assert.True(log.LogStartOffset > 0);
        Assert.Equal(0, keep.LogStartOffset);
    }

    [Fact]
    public async Task Start_RunsRetentionFlushAndCleanerInBackground()
    {
        using var manager = new LogManager(_dir.Path, LogConfig.Default)
        {
            RetentionCheckInterval = TimeSpan.FromMilliseconds(20),
            FlushCheckInterval = TimeSpan.FromMilliseconds(20),
            CleanerBackoff = TimeSpan.FromMilliseconds(20),
            CheckpointInterval = TimeSpan.FromMilliseconds(20),
        };
        var retained = manager.GetOrCreate(new TopicPartition("r", 0), LogConfig.Default with { SegmentBytes = 300, RetentionBytes = 300, RetentionMs = -1 });
        var flushed = manager.GetOrCreate(new TopicPartition("f", 0), LogConfig.Default with { FlushMs = 1, FlushMode = FlushMode.Interval });
        var compacted = manager.GetOrCreate(new TopicPartition("c", 0), LogConfig.Default with { Compact = true, Delete = false, MinCleanableDirtyRatio = 0, SegmentBytes = 300 });
        for (var i = 0; i < 10; i++)
        {
            await retained.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
            await compacted.AppendAsLeaderAsync(TestBatches.Build([(TestBatches.Bytes("same"), TestBatches.Bytes($"v{i}"))]), 0);
        }
        await flushed.AppendAsLeaderAsync(TestBatches.Build(3), 0);
        compacted.Roll();
        manager.Start();
        await Eventually.True(() => retained.LogStartOffset > 0);
        await Eventually.True(() => flushed.RecoveryPoint == 3);
        await Eventually.True(() =>
        {
            using var read = compacted.Read(compacted.LogStartOffset, int.MaxValue, long.MaxValue);
            return TestBatches.Records(read.ToArray()).Count == 1;
        });
        await Eventually.True(() => File.ReadAllText(Path.Combine(_dir.Path, LogManager.RecoveryPointCheckpoint)).Contains("f 0 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UncleanRestart_RecoversFromCheckpointedRecoveryPoint()
    {
        var tp = new TopicPartition("t", 0);
        var manager = new LogManager(_dir.Path, LogConfig.Default);
        var log = manager.GetOrCreate(tp, LogConfig.Default with { SegmentBytes = 300 });
        for (var i = 0; i < 10; i++)
        {
            await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
        }
        log.Flush();
        manager.WriteCheckpoints();
        await log.AppendAsLeaderAsync(TestBatches.Build(2, valueSize: 40), 0);
        log.CloseUncleanly();
        // Simulate the process dying: release the directory lock without a clean close.
        typeof(LogManager).GetField("_lockFile", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(manager).As<FileStream>().Dispose();
        using var reopened = new LogManager(_dir.Path, LogConfig.Default);
        var recovered = reopened.Get(tp)!;
        Assert.False(recovered.WasCleanShutdown);
        Assert.Equal(22, recovered.LogEndOffset);
    }
}

internal static class ObjectExtensions
{
    public static T As<T>(this object? o) => (T)o!;
}
