using Gregor.Broker.Quorum;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol;

namespace Gregor.Broker.Tests.Quorum;

/// <summary>The on-disk Raft log: batches with their epochs, the epoch cache, truncation, fsync, snapshots in Kafka's layout.</summary>
public sealed class FileRaftLogTests : IDisposable
{
    private readonly TempDirectory _dir = new("raftlog");

    public void Dispose() => _dir.Dispose();

    private string PartitionDir => _dir.Sub("__cluster_metadata-0");

    private static RaftLogBatch Data(long baseOffset, int epoch, params string[] topics) =>
        new(baseOffset, epoch, 1_000 + baseOffset, [.. topics.Select(t => (MetadataRecord)new TopicRecord(t, Guid.NewGuid()))]);

    private static RaftLogBatch LeaderChange(long baseOffset, int epoch, int leader) =>
        new(baseOffset, epoch, 5, [], new LeaderChangeControlRecord(leader, [1, 2, 3], [leader, 2]));

    [Fact]
    public void Codec_RoundTripsDataAndControlBatches()
    {
        var data = Data(10, 3, "a", "b");
        var control = LeaderChange(12, 4, 1);
        var opaque = new RaftLogBatch(13, 4, 7, [], new OpaqueControlRecord(RaftControlRecordType.KRaftVersion, new byte[] { 0, 0, 0, 1, 0 }));

        byte[] all = [.. RaftBatchCodec.Encode(data), .. RaftBatchCodec.Encode(control), .. RaftBatchCodec.Encode(opaque)];
        var decoded = RaftBatchCodec.DecodeAll(all);

        Assert.Equal(3, decoded.Count);
        Assert.Equal((10L, 3, 11L), (decoded[0].BaseOffset, decoded[0].Epoch, decoded[0].LastOffset));
        Assert.Equal(data.Records, decoded[0].Records);
        var leaderChange = Assert.IsType<LeaderChangeControlRecord>(decoded[1].Control);
        Assert.Equal(1, leaderChange.LeaderId);
        Assert.Equal([1, 2, 3], leaderChange.Voters);
        Assert.Equal([1, 2], leaderChange.GrantingVoters);
        Assert.Equal((12L, 4, 12L), (decoded[1].BaseOffset, decoded[1].Epoch, decoded[1].LastOffset));
        Assert.Equal(new byte[] { 0, 0, 0, 1, 0 }, Assert.IsType<OpaqueControlRecord>(decoded[2].Control).Value.ToArray());
    }

    [Fact]
    public void Codec_CorruptBatch_IsAProtocolError()
    {
        var bytes = RaftBatchCodec.Encode(Data(0, 1, "a"));
        bytes[^3] ^= 0xFF;

        Assert.ThrowsAny<ProtocolException>(() => RaftBatchCodec.Decode(bytes));
    }

    [Fact]
    public void Append_TracksEpochsFlushAndReopen()
    {
        using (var log = FileRaftLog.Open(PartitionDir))
        {
            log.Append(LeaderChange(0, 1, 1));
            log.Append(Data(1, 1, "a", "b"));
            log.Append(LeaderChange(3, 3, 2));
            log.Append(Data(4, 3, "c"));

            Assert.Equal(5, log.EndOffset);
            Assert.Equal(0, log.FlushedEndOffset);
            Assert.Equal(3, log.LastFetchedEpoch);
            log.RequestFlush();
            Assert.Equal(5, log.FlushedEndOffset);
            Assert.Equal(new OffsetAndEpoch(3, 1), log.EndOffsetForEpoch(1));
            Assert.Equal(new OffsetAndEpoch(3, 1), log.EndOffsetForEpoch(2)); // largest epoch ≤ 2 is 1
            Assert.Equal(new OffsetAndEpoch(5, 3), log.EndOffsetForEpoch(3));
            Assert.Equal(new OffsetAndEpoch(-1, -1), log.EndOffsetForEpoch(0));
            Assert.Throws<InvalidOperationException>(() => log.Append(Data(9, 3, "gap")));
        }
        using var reopened = FileRaftLog.Open(PartitionDir);
        Assert.Equal(5, reopened.EndOffset);
        Assert.Equal(5, reopened.FlushedEndOffset);
        var batches = reopened.Read(1, 1 << 20);
        Assert.Equal([1L, 3L, 4L], batches.Select(b => b.BaseOffset));
        Assert.Equal("c", Assert.IsType<TopicRecord>(Assert.Single(batches[2].Records)).Name);
    }

    [Fact]
    public void TruncateTo_DropsTheDivergentTailAndLowersTheDurableEnd()
    {
        using var log = FileRaftLog.Open(PartitionDir);
        log.Append(Data(0, 1, "a"));
        log.Append(Data(1, 2, "b", "c"));
        log.RequestFlush();

        log.TruncateTo(1);
        log.Append(Data(1, 3, "x"));

        Assert.Equal(2, log.EndOffset);
        Assert.Equal(1, log.FlushedEndOffset);
        Assert.Equal(3, log.LastFetchedEpoch);
        Assert.Equal(new OffsetAndEpoch(1, 1), log.EndOffsetForEpoch(2));
        Assert.Equal("x", Assert.IsType<TopicRecord>(Assert.Single(log.Read(1, 1 << 20)[0].Records)).Name);
    }

    [Fact]
    public void WriteSnapshot_UsesKafkasFileNameCleansTheLogAndReadsBack()
    {
        using var log = FileRaftLog.Open(PartitionDir);
        for (var i = 0; i < 5; i++)
        {
            log.Append(Data(i, 2, $"t{i}"));
        }
        log.RequestFlush();
        var records = Enumerable.Range(0, 2500).Select(i => (MetadataRecord)new TopicRecord($"s{i}", Guid.NewGuid())).ToList();

        log.WriteSnapshot(new RaftSnapshot(new OffsetAndEpoch(2, 2), 1234, records));

        Assert.True(File.Exists(Path.Combine(PartitionDir, "00000000000000000003-0000000002.checkpoint")));
        Assert.Equal(new OffsetAndEpoch(3, 2), log.LatestSnapshotId);
        Assert.Equal(3, log.LogStartOffset);
        Assert.Equal([3L, 4L], log.Read(3, 1 << 20).Select(b => b.BaseOffset));
        var read = log.ReadLatestSnapshot()!;
        Assert.Equal((new OffsetAndEpoch(2, 2), 1234L), (read.LastContained, read.LastContainedLogTimeMs));
        Assert.Equal(records, read.Records);
    }

    [Fact]
    public void SnapshotDownload_InChunks_ReplacesTheFollowersLog()
    {
        RaftSnapshot snapshot;
        OffsetAndEpoch id;
        long size;
        var chunks = new List<(long Position, byte[] Bytes)>();
        using (var leader = FileRaftLog.Open(_dir.Sub("leader")))
        {
            for (var i = 0; i < 10; i++)
            {
                leader.Append(Data(i, 4, $"t{i}"));
            }
            snapshot = new RaftSnapshot(new OffsetAndEpoch(9, 4), 99, [.. Enumerable.Range(0, 50).Select(i => (MetadataRecord)new TopicRecord($"s{i}", Guid.NewGuid()))]);
            leader.WriteSnapshot(snapshot);
            id = snapshot.SnapshotId;
            size = leader.SnapshotSize(id);
            for (long position = 0; position < size; position += 100)
            {
                chunks.Add((position, leader.ReadSnapshotChunk(id, position, 100).ToArray()));
            }
        }
        using var follower = FileRaftLog.Open(PartitionDir);
        follower.Append(Data(0, 1, "old"));

        foreach (var (position, bytes) in chunks)
        {
            follower.WriteSnapshotChunk(id, position, bytes);
        }
        var loaded = follower.CompleteSnapshotDownload(id);

        Assert.Equal(snapshot.Records, loaded.Records);
        Assert.Equal((10L, 10L, 4), (follower.LogStartOffset, follower.EndOffset, follower.LastFetchedEpoch));
        Assert.Equal(size, follower.SnapshotSize(id));
        Assert.Equal(new OffsetAndEpoch(10, 4), follower.EndOffsetForEpoch(5));
    }

    [Fact]
    public void SnapshotDownload_Garbage_IsRefusedAndTheLogKept()
    {
        using var log = FileRaftLog.Open(PartitionDir);
        log.Append(Data(0, 1, "keep"));
        var id = new OffsetAndEpoch(8, 2);

        log.WriteSnapshotChunk(id, 0, new byte[200]);

        Assert.ThrowsAny<Exception>(() => log.CompleteSnapshotDownload(id));
        Assert.Equal(1, log.EndOffset);
        Assert.Null(log.LatestSnapshotId);
    }

    [Fact]
    public void QuorumState_IsKafkasJsonAndSurvivesAReopen()
    {
        Directory.CreateDirectory(PartitionDir);
        var store = new FileQuorumStateStore(PartitionDir);
        Assert.Null(store.Read());
        var directoryId = Guid.NewGuid();

        store.Write(new QuorumStateData(7, 2, 2, directoryId));

        var json = File.ReadAllText(Path.Combine(PartitionDir, "quorum-state"));
        Assert.StartsWith("{\"leaderId\":2,\"leaderEpoch\":7,\"votedId\":2,\"votedDirectoryId\":\"", json, StringComparison.Ordinal);
        Assert.EndsWith("\"data_version\":1}", json, StringComparison.Ordinal);
        Assert.Equal(new QuorumStateData(7, 2, 2, directoryId), new FileQuorumStateStore(PartitionDir).Read());
    }

    [Fact]
    public void QuorumState_ReadsKafka3xVersionZeroFiles()
    {
        Directory.CreateDirectory(PartitionDir);
        File.WriteAllText(Path.Combine(PartitionDir, "quorum-state"),
            "{\"clusterId\":\"\",\"leaderId\":1,\"leaderEpoch\":4,\"votedId\":-1,\"appliedOffset\":0,\"currentVoters\":[{\"voterId\":1}],\"data_version\":0}");

        var state = new FileQuorumStateStore(PartitionDir).Read()!;

        Assert.Equal((4, 1, -1, Guid.Empty, (short)0), (state.LeaderEpoch, state.LeaderId, state.VotedId, state.VotedDirectoryId, state.DataVersion));
    }

    [Fact]
    public void QuorumState_Garbage_IsInvalidData()
    {
        Directory.CreateDirectory(PartitionDir);
        File.WriteAllText(Path.Combine(PartitionDir, "quorum-state"), "{not json");

        Assert.Throws<InvalidDataException>(() => new FileQuorumStateStore(PartitionDir).Read());
    }
}
