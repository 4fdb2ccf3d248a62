using Gregor.Cluster.Raft;
using Gregor.Cluster.Raft.Messages;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation;

/// <summary>Single-step tests of the core's rules, driven by hand (no scheduler).</summary>
public sealed class RaftReplicaTests
{
    private sealed class RecordingTransport(IQuorumStateStore? store = null) : IRaftTransport
    {
        public List<(int To, long Id, RaftRequest Request)> Requests { get; } = [];
        public List<(int To, long Id, RaftResponse Response, QuorumStateData? StateWhenSent)> Responses { get; } = [];

        public void SendRequest(int destinationId, long correlationId, RaftRequest request) =>
            Requests.Add((destinationId, correlationId, request));

        public void SendResponse(int destinationId, long correlationId, RaftResponse response) =>
            Responses.Add((destinationId, correlationId, response, store?.Read()));
    }

    private sealed class RecordingListener : IRaftListener
    {
        public List<RaftBatch> Batches { get; } = [];
        public List<RaftSnapshot> Snapshots { get; } = [];
        public List<LeaderAndEpoch> Leaders { get; } = [];

        public void HandleCommit(RaftBatch batch) => Batches.Add(batch);

        public void HandleLoadSnapshot(RaftSnapshot snapshot) => Snapshots.Add(snapshot);

        public void HandleLeaderChange(LeaderAndEpoch leader) => Leaders.Add(leader);
    }

    private static RaftOptions Options(int nodeId, params int[] voters) =>
        new() { NodeId = nodeId, Voters = [.. voters.Select(v => new RaftVoter(v, Guid.Empty))] };

    private static MetadataRecord Value(long value) => new ProducerIdsRecord(0, 0, value);

    [Fact]
    public void SoleVoter_ElectsItself_AndCommitsOnlyAfterTheFlush()
    {
        var log = new InMemoryRaftLog();
        var raft = new RaftReplica(Options(1, 1), log, new InMemoryQuorumStateStore(), new RecordingTransport(), new Random(1), 0);
        var listener = new RecordingListener();
        raft.Register(listener);

        raft.Poll(raft.Poll(0)); // the election timeout passes
        Assert.Equal(RaftRole.Leader, raft.Role);
        Assert.Equal(1, raft.Epoch);
        Assert.Equal(-1, raft.HighWatermark); // the LeaderChange batch is not durable yet
        // The listener hears of the leadership only once it has replayed up to the epoch start.
        Assert.DoesNotContain(new LeaderAndEpoch(1, 1), listener.Leaders);

        log.CompleteFlush();
        raft.HandleFlushCompleted(3000);
        Assert.Equal(1, raft.HighWatermark);
        Assert.Equal(new LeaderAndEpoch(1, 1), listener.Leaders[^1]);

        var last = raft.ScheduleAtomicAppend(1, [Value(7), Value(8)]);
        Assert.Equal(2, last);
        Assert.Equal(1, raft.HighWatermark);
        log.CompleteFlush();
        raft.HandleFlushCompleted(3001);
        Assert.Equal(3, raft.HighWatermark);
        Assert.Equal([true, false], listener.Batches.Select(b => b.IsControl));
        Assert.Equal([7L, 8L], listener.Batches[1].Records.Cast<ProducerIdsRecord>().Select(r => r.NextProducerId));
    }

    [Fact]
    public void ScheduleAtomicAppend_OnANonLeader_ThrowsNotController()
    {
        var raft = new RaftReplica(Options(1, 1, 2, 3), new InMemoryRaftLog(), new InMemoryQuorumStateStore(), new RecordingTransport(), new Random(1), 0);
        var e = Assert.Throws<NotLeaderException>(() => raft.ScheduleAtomicAppend(0, [Value(1)]));
        Assert.Equal(ErrorCode.NotController, e.Error);
    }

    [Fact]
    public void Vote_IsDurableBeforeTheReply()
    {
        var store = new InMemoryQuorumStateStore();
        var transport = new RecordingTransport(store);
        var raft = new RaftReplica(Options(1, 1, 2, 3), new InMemoryRaftLog(), store, transport, new Random(1), 0);

        raft.HandleRequest(2, 9, new RaftVoteRequest(1, 2, Guid.Empty, 1, Guid.Empty, 0, 0, PreVote: false), 10);

        var (to, id, response, stateWhenSent) = Assert.Single(transport.Responses);
        Assert.True(((RaftVoteResponse)response).VoteGranted);
        Assert.Equal((2, 9L), (to, id));
        Assert.Equal(new QuorumStateData(1, -1, 2, Guid.Empty), stateWhenSent);

        // A second candidate in the same epoch is refused, also after a restart.
        var restarted = new RaftReplica(Options(1, 1, 2, 3), new InMemoryRaftLog(), store, transport, new Random(2), 20);
        restarted.HandleRequest(3, 10, new RaftVoteRequest(1, 3, Guid.Empty, 1, Guid.Empty, 0, 0, PreVote: false), 21);
        Assert.False(((RaftVoteResponse)transport.Responses[^1].Response).VoteGranted);
    }

    [Fact]
    public void Restart_FsyncsTheTailAProcessCrashLeftUnflushed()
    {
        var log = new InMemoryRaftLog();
        log.Append(new RaftLogBatch(0, 1, 0, [Value(1)]));
        Assert.Equal(0, log.FlushedEndOffset);

        _ = new RaftReplica(Options(2, 1, 2, 3), log, new InMemoryQuorumStateStore(), new RecordingTransport(), new Random(1), 0);

        Assert.Equal(1, log.PendingFlushes);
        log.CompleteFlush();
        Assert.Equal(1, log.FlushedEndOffset);
    }

    [Fact]
    public void Vote_IsRefusedToACandidateWhoseLogIsBehind()
    {
        var log = new InMemoryRaftLog();
        log.Append(new RaftLogBatch(0, 1, 0, [Value(1)]));
        log.Append(new RaftLogBatch(1, 2, 0, [Value(2)]));
        var transport = new RecordingTransport();
        var raft = new RaftReplica(Options(1, 1, 2, 3), log, new InMemoryQuorumStateStore(), transport, new Random(1), 0);

        // Longer log, but its last epoch is older: not up to date.
        raft.HandleRequest(2, 1, new RaftVoteRequest(3, 2, Guid.Empty, 1, Guid.Empty, 1, 10, PreVote: false), 1);
        Assert.False(((RaftVoteResponse)transport.Responses[^1].Response).VoteGranted);
        // Same last epoch, shorter: not up to date either.
        raft.HandleRequest(3, 2, new RaftVoteRequest(3, 3, Guid.Empty, 1, Guid.Empty, 2, 1, PreVote: false), 2);
        Assert.False(((RaftVoteResponse)transport.Responses[^1].Response).VoteGranted);
        Assert.Equal(3, raft.Epoch);
        Assert.Equal(-1, raft.VotedId);
    }

    [Fact]
    public void Follower_FetchesAgainOnlyOnceTheAppendIsFlushed_AndReportsTheFlushedOffset()
    {
        var log = new InMemoryRaftLog();
        var transport = new RecordingTransport();
        var raft = new RaftReplica(Options(2, 1, 2, 3), log, new InMemoryQuorumStateStore(), transport, new Random(1), 0);
        raft.HandleRequest(1, 1, new RaftBeginQuorumEpochRequest(1, 1, 2, Guid.Empty), 0);
        raft.Poll(0);
        var fetch = transport.Requests.Single(r => r.Request is RaftFetchRequest);
        Assert.Equal(0, ((RaftFetchRequest)fetch.Request).FetchOffset);

        raft.HandleResponse(1, fetch.Id, new RaftFetchResponse(ErrorCode.None, 1, 1, 1, 0, null, null,
            [new RaftLogBatch(0, 1, 0, [], new LeaderChangeControlRecord(1, [1, 2, 3], [1, 2])), new RaftLogBatch(1, 1, 0, [Value(5)])]), 5);
        raft.Poll(5);
        Assert.Single(transport.Requests, r => r.Request is RaftFetchRequest); // not yet: the append is not durable

        log.CompleteFlush();
        raft.HandleFlushCompleted(6);
        raft.Poll(6);
        var next = (RaftFetchRequest)transport.Requests.Last(r => r.Request is RaftFetchRequest).Request;
        Assert.Equal(2, next.FetchOffset);
        Assert.Equal(1, next.LastFetchedEpoch);
        Assert.Equal(1, raft.HighWatermark);
    }

    [Fact]
    public void Leader_AnswersADivergentFetchWithDivergingEpoch_AndABehindOneWithItsSnapshot()
    {
        var log = new InMemoryRaftLog();
        log.Append(new RaftLogBatch(0, 1, 0, [Value(1), Value(2)]));
        log.RequestFlush();
        log.CompleteFlush();
        var store = new InMemoryQuorumStateStore();
        store.Write(new QuorumStateData(2, -1, 1, Guid.Empty));
        var transport = new RecordingTransport();
        var raft = ElectedLeader(log, store, transport, epochAfter: 3);

        // The follower's last batch is from epoch 2 at offset 5, which this leader never had.
        raft.HandleRequest(2, 50, new RaftFetchRequest(2, Guid.Empty, 3, 6, 2, 0, 1 << 20), 100);
        var diverging = (RaftFetchResponse)transport.Responses.Single(r => r.Id == 50).Response;
        Assert.Equal(new OffsetAndEpoch(2, 1), diverging.DivergingEpoch);

        // Commit everything with follower 2, snapshot, and a fetcher from offset 0 is sent the snapshot.
        raft.HandleRequest(2, 51, new RaftFetchRequest(2, Guid.Empty, 3, log.EndOffset, 3, 0, 1 << 20), 101);
        Assert.Equal(log.EndOffset, raft.HighWatermark);
        raft.CreateSnapshot(new OffsetAndEpoch(log.EndOffset - 1, 3), 0, [Value(99)]);
        raft.HandleRequest(3, 52, new RaftFetchRequest(3, Guid.Empty, 3, 0, 0, 0, 1 << 20), 102);
        var snapshot = (RaftFetchResponse)transport.Responses.Single(r => r.Id == 52).Response;
        Assert.Equal(new OffsetAndEpoch(log.EndOffset, 3), snapshot.SnapshotId);
    }

    private static RaftReplica ElectedLeader(InMemoryRaftLog log, IQuorumStateStore store, RecordingTransport transport, int epochAfter)
    {
        var raft = new RaftReplica(Options(1, 1, 2, 3), log, store, transport, new Random(1), 0);
        var now = raft.Poll(0);
        raft.Poll(now); // prospective: pre-votes out
        foreach (var (to, id, request) in transport.Requests.Where(r => r.Request is RaftVoteRequest { PreVote: true }).ToList())
        {
            raft.HandleResponse(to, id, new RaftVoteResponse(ErrorCode.None, -1, 2, true), now);
        }

        foreach (var (to, id, request) in transport.Requests.Where(r => r.Request is RaftVoteRequest { PreVote: false }).ToList())
        {
            raft.HandleResponse(to, id, new RaftVoteResponse(ErrorCode.None, -1, epochAfter, true), now);
        }

        Assert.Equal(RaftRole.Leader, raft.Role);
        Assert.Equal(epochAfter, raft.Epoch);
        while (log.CompleteFlush())
        {
        }

        raft.HandleFlushCompleted(now);
        return raft;
    }
}
