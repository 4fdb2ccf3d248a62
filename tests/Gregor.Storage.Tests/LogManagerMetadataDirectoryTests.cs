using Gregor.Protocol;

namespace Gregor.Storage.Tests;

/// <summary>
/// The controller's metadata log lives in the data dir as __cluster_metadata-0 (as in Kafka) and
/// is owned by Gregor.Cluster: the log manager must never open, recover or clean it.
/// </summary>
public sealed class LogManagerMetadataDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Open_SkipsTheControllersMetadataLogDirectory()
    {
        using (var manager = new LogManager(_dir.Path, LogConfig.Default))
        {
            var metadata = manager.GetOrCreate(new TopicPartition("__cluster_metadata", 0), LogConfig.Default);
            await metadata.AppendAsLeaderAsync(TestBatches.Build(2), 0);
            manager.GetOrCreate(new TopicPartition("orders", 0), LogConfig.Default);
        }

        using var reopened = new LogManager(_dir.Path, LogConfig.Default);

        Assert.Null(reopened.Get(new TopicPartition("__cluster_metadata", 0)));
        Assert.NotNull(reopened.Get(new TopicPartition("orders", 0)));
        Assert.True(Directory.Exists(_dir.Sub(LogManager.MetadataLogDirectory)));
    }
}
