using Gregor.Protocol;
using Gregor.Storage.Checkpoints;

namespace Gregor.Storage.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Offsets_RoundTripInKafkaTextFormat()
    {
        var path = _dir.Sub("recovery-point-offset-checkpoint");
        CheckpointFile.WriteOffsets(path, [KeyValuePair.Create(new TopicPartition("a-b", 3), 17L)]);
        Assert.Equal("0\n1\na-b 3 17\n", File.ReadAllText(path));
        Assert.Equal(17, CheckpointFile.ReadOffsets(path)[new TopicPartition("a-b", 3)]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1\n0\n")]
    [InlineData("0\n3\na 0 1\n")]
    [InlineData("garbage")]
    public void MalformedFile_ReadsAsMissing(string content)
    {
        var path = _dir.Sub("cp");
        File.WriteAllText(path, content);
        Assert.Null(CheckpointFile.Read(path));
    }

    [Fact]
    public void LeaderEpochs_AnswerOffsetForLeaderEpoch()
    {
        var cache = new LeaderEpochCache(_dir.Path);
        cache.Assign(0, 0);
        cache.Assign(2, 100);
        cache.Assign(5, 250);
        cache.Assign(4, 300); // older than the latest: ignored
        Assert.Equal((0, 100L), cache.EndOffsetFor(1, 400));
        Assert.Equal((2, 250L), cache.EndOffsetFor(2, 400));
        Assert.Equal((5, 400L), cache.EndOffsetFor(7, 400));
        var reloaded = new LeaderEpochCache(_dir.Path);
        Assert.Equal([(0, 0L), (2, 100L), (5, 250L)], reloaded.Entries);
        reloaded.TruncateFromEnd(250);
        Assert.Equal(2, reloaded.LatestEpoch);
        reloaded.TruncateFromStart(150);
        Assert.Equal([(2, 150L)], reloaded.Entries);
    }
}
