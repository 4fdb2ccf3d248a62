using Gregor.Cluster.Metadata;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Cluster.Tests.Controller;

namespace Gregor.Cluster.Tests.Metadata;

public sealed class MetadataLoaderTests
{
    private static RaftBatch Batch(long baseOffset, long timestampMs, params MetadataRecord[] records) =>
        new(baseOffset, baseOffset + records.Length - 1, 1, timestampMs, records);

    [Fact]
    public void CommittedBatches_ArePublishedInOrder_AndControlBatchesMoveTheOffset()
    {
        var loader = new MetadataLoader(new MetadataLoaderOptions { ClusterId = "c", NodeId = 1 });
        var seen = new List<long>();
        using var subscription = loader.Subscribe((_, next) => seen.Add(next.Offset));

        loader.HandleCommit(Batch(0, 0, new TopicRecord("t", Guid.Parse("0f0e0d0c-0b0a-4908-8706-050403020100"))));
        loader.HandleCommit(new RaftBatch(1, 1, 2, 0, [], IsControl: true));
        loader.HandleCommit(Batch(0, 0, new NoOpRecord())); // delivered twice: ignored
        loader.HandleLeaderChange(new LeaderAndEpoch(3, 2));

        Assert.Equal([0L, 1L, 1L], seen);
        Assert.NotNull(loader.Current.Topic("t"));
        Assert.Equal(3, loader.Current.ControllerId);
        Assert.Equal(1, loader.LastAppliedOffset);
    }

    [Fact]
    public void EnoughRecordBytes_WriteASnapshotThatRebuildsTheImage()
    {
        var raft = new ScriptedRaftClient(1);
        var loader = new MetadataLoader(new MetadataLoaderOptions { ClusterId = "c", NodeId = 1, MaxBytesBetweenSnapshots = 200 }, raft);
        var history = MetadataImageRecordsTests.History();

        for (var i = 0; i < history.Count; i++)
        {
            loader.HandleCommit(Batch(i, i, history[i]));
        }

        Assert.NotEmpty(raft.Snapshots);
        var last = raft.Snapshots[^1];
        Assert.Equal(loader.LastSnapshotOffset, last.LastContained.Offset);
        var replayedPrefix = MetadataImageRecordsTests.Replay(history[..(int)(last.LastContained.Offset + 1)]);
        Assert.True(MetadataImageRecords.Equivalent(replayedPrefix, MetadataImageRecords.Read("c", 1, last.LastContained.Offset, last.Records)));
    }

    [Fact]
    public void LogTimeInterval_WritesASnapshot_AndNeverWithoutNewRecords()
    {
        var raft = new ScriptedRaftClient(1);
        var loader = new MetadataLoader(new MetadataLoaderOptions { ClusterId = "c", NodeId = 1, MaxSnapshotIntervalMs = 1000 }, raft);

        loader.HandleCommit(Batch(0, 5_000, new NoOpRecord()));
        loader.HandleCommit(Batch(1, 5_999, new NoOpRecord()));
        Assert.Empty(raft.Snapshots);
        loader.HandleCommit(Batch(2, 6_000, new NoOpRecord()));
        Assert.Equal(2, Assert.Single(raft.Snapshots).LastContained.Offset);
        loader.HandleCommit(new RaftBatch(3, 3, 1, 90_000, [], IsControl: true));
        Assert.Single(raft.Snapshots);
    }

    [Fact]
    public void LoadedSnapshot_ReplacesTheImage()
    {
        var loader = new MetadataLoader(new MetadataLoaderOptions { ClusterId = "c", NodeId = 1 });
        loader.HandleCommit(Batch(0, 0, new TopicRecord("gone", Guid.Parse("1f0e0d0c-0b0a-4908-8706-050403020100"))));
        var image = MetadataImageRecordsTests.Replay(MetadataImageRecordsTests.History());

        loader.HandleLoadSnapshot(new RaftSnapshot(new OffsetAndEpoch(image.Offset, 1), 0, MetadataImageRecords.Write(image)));

        Assert.True(MetadataImageRecords.Equivalent(image, loader.Current));
        Assert.Null(loader.Current.Topic("gone"));
    }
}
