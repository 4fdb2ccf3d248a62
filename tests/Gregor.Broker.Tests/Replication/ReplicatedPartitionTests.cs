using Gregor.Cluster.Partitions;
using Gregor.Cluster.Replication;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Tests.Replication;

/// <summary>
/// Replica managers of three nodes over one metadata publisher and in-memory logs: hosting
/// followers, the leader's handling of follower fetches (high watermark, ISR proposals, epochs,
/// divergence), acks=all with min.insync.replicas, and KIP-207. Follower fetches go through
/// <see cref="ReplicaManager.FetchAsync"/> with a replica id, as the Fetch handler passes them, and
/// their answers are applied as the replica fetcher does.
/// </summary>
public sealed class ReplicatedPartitionTests : IDisposable
{
    private static readonly TopicPartition Tp = new("r", 0);
    private static readonly Dictionary<string, string> MinIsrTwo = new() { ["min.insync.replicas"] = "2" };

    private readonly TestMetadataPublisher _metadata = new();
    private readonly InMemoryReplicaLogProvider[] _logs = [new(), new(), new()];
    private readonly ReplicaManager[] _nodes;
    private readonly List<(int Node, IsrChange Change)> _proposals = [];
    private readonly List<(int Node, IReadOnlyList<FollowerAssignment> Followers)> _followers = [];

    public ReplicatedPartitionTests()
    {
        for (var id = 1; id <= 3; id++)
        {
            _metadata.AddBroker(id, epoch: 100 + id);
        }
        _nodes = [.. Enumerable.Range(1, 3).Select(id =>
        {
            var manager = new ReplicaManager(_metadata, _logs[id - 1], new ReplicaManagerOptions(NodeId: id, MessageMaxBytes: 100_000));
            manager.IsrProposed = (_, change) =>
            {
                lock (_proposals)
                {
                    _proposals.Add((id, change));
                }
            };
            manager.FollowersChanged = followers => _followers.Add((id, followers));
            manager.Open();
            return manager;
        })];
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
    }

    private ReplicaManager Node(int id) => _nodes[id - 1];

    private InMemoryReplicaLog Log(int id) => _logs[id - 1].Logs[Tp];

    private CancellationToken Token => TestContext.Current.CancellationToken;

    // One round of the replica fetcher of node `follower` against node `leader`.
    private async Task<FetchPartitionResult> ReplicateAsync(int follower, int leader, int leaderEpoch = 0)
    {
        var position = Node(follower).FollowerFetchPosition(Tp)!.Value;
        var spec = new FetchRequestSpec(0, 0, 10_000_000, 0,
            [new FetchPartitionSpec(new FetchPartitionKey(Guid.Empty, Tp.Topic, 0), position.FetchOffset, 1_000_000, leaderEpoch, position.LogStartOffset, position.LastFetchedEpoch)],
            ReplicaId: follower, ReplicaEpoch: 100 + follower);
        using var result = await Node(leader).FetchAsync(spec, Token);
        var partition = Assert.Single(result.Partitions);
        if (partition.Error == ErrorCode.None && partition.HasDivergingEpoch)
        {
            Node(follower).TruncateOnDivergence(Tp, leaderEpoch, new EpochEndOffset(partition.DivergingEpoch, partition.DivergingEndOffset));
        }
        else if (partition.Error == ErrorCode.None)
        {
            await Node(follower).AppendAsFollowerAsync(Tp, leaderEpoch, partition.Records?.Memory ?? ReadOnlyMemory<byte>.Empty, partition.HighWatermark, Token);
        }
        return partition;
    }

    // A consumer's fetch: its error, the high watermark it is told and the record bytes it gets.
    private async Task<(ErrorCode Error, long HighWatermark, int Bytes)> ConsumeAsync(int node, long offset = 0)
    {
        using var result = await Node(node).FetchAsync(new FetchRequestSpec(0, 0, 10_000_000, 0,
            [new FetchPartitionSpec(new FetchPartitionKey(Guid.Empty, Tp.Topic, 0), offset, 1_000_000)]), Token);
        var partition = Assert.Single(result.Partitions);
        return (partition.Error, partition.HighWatermark, partition.RecordBytes);
    }

    [Fact]
    public async Task ReplicatedTopic_EveryReplicaHostsTheLog_FollowersRefuseClientsAndAreHandedToTheFetcher()
    {
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1);

        Assert.All(_logs, logs => Assert.True(logs.Logs.ContainsKey(Tp)));
        Assert.True(Node(1).TryGetPartition(Tp, out _));
        Assert.False(Node(2).TryGetPartition(Tp, out _));
        Assert.True(Node(2).TryGetReplica(Tp, out var follower));
        Assert.False(follower.IsLeader);
        var produced = await Node(2).AppendRecordsAsync(Tp, TestBatches.Build(), requiredAcks: -1, TimeSpan.FromSeconds(5), Token);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, produced.Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, (await ConsumeAsync(2)).Error);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, Node(3).ListOffset(Tp, ListOffsetsTimestamps.Latest, 0, -1).Error);
        var assignment = Assert.Single(_followers.Last(f => f.Node == 2).Followers);
        Assert.Equal((Tp, 1, 0), (assignment.TopicPartition, assignment.LeaderId, assignment.LeaderEpoch));
        Assert.Empty(_followers.Last(f => f.Node == 1).Followers);
    }

    [Fact]
    public async Task AcksAll_WaitsUntilEveryIsrFollowerFetchedTheBatch_ConsumersSeeItOnlyThen_AndLogsAreIdentical()
    {
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1, configs: MinIsrTwo);

        var produce = Node(1).AppendRecordsAsync(Tp, TestBatches.Build(recordCount: 3), requiredAcks: -1, TimeSpan.FromSeconds(30), Token).AsTask();
        await Eventually.TrueAsync(() => Log(1).LogEndOffset == 3, "the leader appended");
        Assert.False(produce.IsCompleted);
        var before = await ConsumeAsync(1);
        Assert.Equal((ErrorCode.None, 0L, 0), before);

        await ReplicateAsync(2, 1); // gets the batch
        await ReplicateAsync(3, 1);
        Assert.False(produce.IsCompleted);
        await ReplicateAsync(2, 1); // reports offset 3
        Assert.False(produce.IsCompleted); // node 3 is in the ISR and has not said it has the batch
        var last = await ReplicateAsync(3, 1);

        var result = await produce.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal((ErrorCode.None, 0L), (result.Error, result.BaseOffset));
        Assert.Equal(3, last.HighWatermark);
        var consumed = await ConsumeAsync(1);
        Assert.Equal(3, consumed.HighWatermark);
        Assert.True(consumed.Bytes > 0, "the consumer reads the committed batch");
        Assert.Equal(Log(1).Bytes(), Log(2).Bytes());
        Assert.Equal(Log(1).Bytes(), Log(3).Bytes());
        // Followers learn the high watermark from the next fetch.
        await ReplicateAsync(2, 1);
        Assert.True(Node(2).TryGetReplica(Tp, out var follower));
        Assert.Equal(3, follower.HighWatermark);
    }

    [Fact]
    public async Task AcksAll_IsrBelowMinInsyncReplicas_IsRefusedBeforeTheAppend_Acks1StillAppends()
    {
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1, isr: [1], configs: MinIsrTwo);

        var all = await Node(1).AppendRecordsAsync(Tp, TestBatches.Build(), requiredAcks: -1, TimeSpan.FromSeconds(5), Token);
        Assert.Equal(ErrorCode.NotEnoughReplicas, all.Error);
        Assert.Equal(0, Log(1).LogEndOffset);

        var one = await Node(1).AppendRecordsAsync(Tp, TestBatches.Build(), requiredAcks: 1, TimeSpan.FromSeconds(5), Token);
        Assert.Equal(ErrorCode.None, one.Error);
        Assert.Equal(1, Log(1).LogEndOffset);
        // Under min ISR the high watermark stands still: nothing is committed.
        Assert.Equal(0, (await ConsumeAsync(1)).HighWatermark);
    }

    [Fact]
    public async Task AcksAll_LeadershipMovesWhileWaiting_AnswersNotLeaderOrFollower()
    {
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1, configs: MinIsrTwo);
        var produce = Node(1).AppendRecordsAsync(Tp, TestBatches.Build(), requiredAcks: -1, TimeSpan.FromSeconds(30), Token).AsTask();
        await Eventually.TrueAsync(() => Log(1).LogEndOffset == 1, "the leader appended");

        _metadata.ChangePartition("r", p => p with { Leader = 2, LeaderEpoch = 1, Isr = [2, 3], PartitionEpoch = p.PartitionEpoch + 1 });

        var result = await produce.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(ErrorCode.NotLeaderOrFollower, result.Error);
        Assert.True(Node(2).TryGetPartition(Tp, out var leader) && leader.IsLeader);
        Assert.True(Node(1).TryGetReplica(Tp, out var old) && !old.IsLeader);
    }

    [Fact]
    public async Task FollowerFetch_WithAnOlderOrNewerLeaderEpoch_IsFencedOrUnknown_AndMovesNothing()
    {
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1, leaderEpoch: 3, configs: MinIsrTwo);
        await Node(1).AppendRecordsAsync(Tp, TestBatches.Build(), requiredAcks: 1, TimeSpan.Zero, Token);

        Assert.Equal(ErrorCode.FencedLeaderEpoch, (await ReplicateAsync(2, 1, leaderEpoch: 2)).Error);
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, (await ReplicateAsync(2, 1, leaderEpoch: 4)).Error);
        Assert.Equal(0, Log(2).LogEndOffset);
        Assert.Equal(ErrorCode.None, (await ReplicateAsync(2, 1, leaderEpoch: 3)).Error);
        Assert.Equal(1, Log(2).LogEndOffset);
    }

    [Fact]
    public async Task FollowerWithADivergentTail_GetsTheDivergingEpoch_TruncatesItAndThenMatchesTheLeaderByteForByte()
    {
        // Node 2 led epoch 1 and wrote offsets 2..3 that nobody else got; node 1 leads epoch 2 and
        // wrote its own offsets 2..4 (KIP-101's case).
        Seed(1, (0, 2), (2, 3));
        Seed(2, (0, 2), (1, 2));
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1, leaderEpoch: 2, configs: MinIsrTwo);

        var first = await ReplicateAsync(2, 1, leaderEpoch: 2);
        Assert.Equal((0, 2L), (first.DivergingEpoch, first.DivergingEndOffset));
        Assert.Equal(2, Log(2).LogEndOffset);

        await ReplicateAsync(2, 1, leaderEpoch: 2);
        Assert.Equal(Log(1).Bytes(), Log(2).Bytes());
    }

    [Fact]
    public async Task AFollowerOutsideTheIsr_CatchingUpToTheHighWatermark_IsProposedForTheIsr()
    {
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1, isr: [1, 2], configs: MinIsrTwo);
        await Node(1).AppendRecordsAsync(Tp, TestBatches.Build(recordCount: 2), requiredAcks: 1, TimeSpan.Zero, Token);
        await ReplicateAsync(2, 1);
        await ReplicateAsync(2, 1);
        Assert.Empty(_proposals);

        await ReplicateAsync(3, 1);
        await ReplicateAsync(3, 1);

        var (node, change) = Assert.Single(_proposals);
        Assert.Equal(1, node);
        Assert.Equal(IsrChangeKind.Expand, change.Kind);
        Assert.Equal([1, 2, 3], change.NewIsrIds.Order());
        Assert.Contains(change.NewIsr, m => m.BrokerId == 3 && m.BrokerEpoch == 103);
        // The controller commits it; the image settles the pending change.
        _metadata.ChangePartition("r", p => p with { Isr = [1, 2, 3], PartitionEpoch = p.PartitionEpoch + 1 });
        Assert.True(Node(1).TryGetPartition(Tp, out var partition));
        Assert.Equal([1, 2, 3], partition.InSyncReplicas.Order());
    }

    [Fact]
    public async Task ANewLeaderBehindTheStartOfItsEpoch_AnswersListOffsetsWithOffsetNotAvailable_UntilItsHighWatermarkCatchesUp()
    {
        _metadata.AddReplicatedTopic("r", [1, 2, 3], leader: 1, configs: MinIsrTwo);
        await Node(1).AppendRecordsAsync(Tp, TestBatches.Build(recordCount: 2), requiredAcks: 1, TimeSpan.Zero, Token);
        await ReplicateAsync(2, 1);
        await ReplicateAsync(3, 1);

        // Node 2 takes over with offsets 0..1 that it has not seen committed.
        _metadata.ChangePartition("r", p => p with { Leader = 2, LeaderEpoch = 1, PartitionEpoch = p.PartitionEpoch + 1 });
        Assert.Equal(ErrorCode.OffsetNotAvailable, Node(2).ListOffset(Tp, ListOffsetsTimestamps.Latest, 0, 1).Error);

        await ReplicateAsync(3, 2, leaderEpoch: 1);
        await ReplicateAsync(1, 2, leaderEpoch: 1);
        var latest = Node(2).ListOffset(Tp, ListOffsetsTimestamps.Latest, 0, 1);
        Assert.Equal((ErrorCode.None, 2L), (latest.Error, latest.Offset));
    }

    // Writes batches (epoch, records) to node `id`'s log as a follower would have, before the topic exists.
    private void Seed(int id, params (int Epoch, int Records)[] batches)
    {
        var log = _logs[id - 1].Logs.GetOrAdd(Tp, _ => new InMemoryReplicaLog());
        long offset = 0;
        foreach (var (epoch, records) in batches)
        {
            // The same epoch's batch is the same bytes on every replica; different epochs differ.
            var batch = TestBatches.Build(recordCount: records, baseOffset: offset, seed: epoch * 10);
            RecordBatchHeader.WritePartitionLeaderEpoch(batch, epoch);
            RecordBatchHeader.WriteCrc(batch);
            log.AppendAsFollowerAsync(batch, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            offset += records;
        }
    }
}
