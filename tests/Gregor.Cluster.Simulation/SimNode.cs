using Gregor.Cluster.Raft;
using Gregor.Cluster.Raft.Messages;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// One simulated machine: a disk (<see cref="Log"/>, <see cref="Store"/>) that outlives crashes,
/// and — while up — a Raft replica plus the components of this incarnation. Every event for the
/// node goes through <see cref="Run"/>, which drops events of a dead incarnation, defers events
/// while the node is paused, and re-polls the replica afterwards.
/// </summary>
public sealed class SimNode
{
    private long _pollVersion;
    private long _scheduledPoll = long.MaxValue;
    private long _lastFlushDone;

    internal SimNode(SimCluster cluster, int nodeId)
    {
        Cluster = cluster;
        NodeId = nodeId;
        Log.FlushRequested = OnFlushRequested;
    }

    public SimCluster Cluster { get; }

    public int NodeId { get; }

    public bool IsVoter => NodeId < Cluster.Options.Voters;

    public InMemoryRaftLog Log { get; } = new();

    public InMemoryQuorumStateStore Store { get; } = new();

    /// <summary>The replica of the current incarnation; null while the node is down.</summary>
    public RaftReplica? Raft { get; private set; }

    public bool IsUp => Raft is not null;

    /// <summary>Bumped at every crash and restart: events addressed to an older incarnation are dropped.</summary>
    public int Incarnation { get; private set; }

    public IReadOnlyList<ISimComponent> Components { get; private set; } = [];

    /// <summary>This incarnation's own random stream (derived from the seed), for components.</summary>
    public Random Random { get; private set; } = new(0);

    /// <summary>How far this node's clock runs ahead of the simulation's.</summary>
    public long ClockSkewMs { get; internal set; }

    public long PausedUntil { get; internal set; }

    public bool IsPaused => Cluster.Scheduler.Now < PausedUntil;

    public long SlowFsyncUntil { get; internal set; }

    /// <summary>The node's local clock: what its replica and components see.</summary>
    public long Now => Cluster.Scheduler.Now + ClockSkewMs;

    /// <summary>Highest high watermark this incarnation has shown (the "never moves back" invariant).</summary>
    public long LastHighWatermark { get; internal set; } = -1;

    /// <summary>Time this node has spent running as leader while a newer epoch's leader existed.</summary>
    public long StaleLeaderMs { get; internal set; }

    /// <summary>Runs <paramref name="action"/> after <paramref name="delayMs"/> of this node's time, if this incarnation is still alive then.</summary>
    public void Schedule(long delayMs, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var incarnation = Incarnation;
        Cluster.Scheduler.After(delayMs, () => Run(incarnation, 90, 0, _ => action()));
    }

    /// <summary>Runs one event on this incarnation's replica, then polls it and re-arms its timer.</summary>
    internal void Run(int incarnation, int kind, long detail, Action<RaftReplica> action)
    {
        if (incarnation != Incarnation || Raft is null)
        {
            return;
        }

        if (IsPaused)
        {
            Cluster.Scheduler.At(PausedUntil, () => Run(incarnation, kind, detail, action));
            return;
        }

        Cluster.Trace.Add(Cluster.Scheduler.Now, NodeId, kind, detail);
        if (Cluster.LogMessages)
        {
            Cluster.Say($"node {NodeId} event {kind} from {detail}");
        }

        action(Raft);
        if (Raft is { } raft && incarnation == Incarnation)
        {
            Arm(raft.Poll(Now));
        }

        Cluster.AfterEvent();
    }

    private void Arm(long deadline)
    {
        if (deadline == _scheduledPoll)
        {
            return;
        }

        _scheduledPoll = deadline;
        var version = ++_pollVersion;
        if (deadline == long.MaxValue)
        {
            return;
        }

        var incarnation = Incarnation;
        Cluster.Scheduler.At(deadline - ClockSkewMs, () =>
        {
            if (version == _pollVersion)
            {
                _scheduledPoll = long.MaxValue;
                Run(incarnation, 1, 0, _ => { });
            }
        });
    }

    private void OnFlushRequested()
    {
        // One fsync at a time, in order, like a disk queue; slow while a slow-fsync fault is on.
        var slow = Cluster.Scheduler.Now < SlowFsyncUntil;
        var delay = slow ? 50 + Cluster.Random.Next(750) : Cluster.Random.Next(4);
        var done = Math.Max(_lastFlushDone, Cluster.Scheduler.Now + delay);
        _lastFlushDone = done;
        var incarnation = Incarnation;
        Cluster.Scheduler.At(done, () => Run(incarnation, 2, 0, raft =>
        {
            if (Log.CompleteFlush())
            {
                raft.HandleFlushCompleted(Now);
            }
        }));
    }

    internal void Start()
    {
        Incarnation++;
        if (Log.FlushedEndOffset < Log.EndOffset)
        {
            // A process restart keeps the page cache but forgot its pending fsyncs; reopening the
            // log fsyncs its tail (as a real log reopen would), or a follower — which fetches
            // only once its log is durable — would never fetch again.
            Log.RequestFlush();
        }
        Random = new Random(Cluster.Random.Next());
        LastHighWatermark = -1;
        StaleLeaderMs = 0;
        _scheduledPoll = long.MaxValue;
        _pollVersion++;
        _lastFlushDone = 0;
        var options = Cluster.Options.ConfigureRaft(new RaftOptions
        {
            NodeId = NodeId,
            Voters = [.. Cluster.Nodes.Where(n => n.IsVoter).Select(n => new RaftVoter(n.NodeId, Guid.Empty))],
            ClusterId = "sim",
        });
        Raft = new RaftReplica(options, Log, Store, new SimTransport(this, Incarnation), new Random(Cluster.Random.Next()), Now);
        var components = new List<ISimComponent> { new ReplicatedCounter(Cluster.Options.SnapshotEveryOffsets) };
        components.AddRange(Cluster.Options.Components(NodeId));
        Components = components;
        var incarnation = Incarnation;
        Cluster.Trace.Add(Cluster.Scheduler.Now, NodeId, 3, incarnation);
        foreach (var component in components)
        {
            component.Start(this);
        }

        if (Raft is { } raft && incarnation == Incarnation)
        {
            Arm(raft.Poll(Now));
        }
    }

    /// <summary>Kills the process; <paramref name="machine"/> also loses the page cache (unflushed appends, maybe a torn part kept).</summary>
    internal void Crash(bool machine, bool torn)
    {
        Incarnation++;
        Raft = null;
        Components = [];
        PausedUntil = 0;
        if (machine)
        {
            Log.LoseUnflushed(torn ? Cluster.Random : null);
        }
        else
        {
            Log.ForgetPendingFlushes();
        }

        Cluster.Trace.Add(Cluster.Scheduler.Now, NodeId, machine ? 5 : 4, Log.EndOffset);
    }

    /// <summary>Sends Raft messages over the simulated network, stamped with this incarnation (a restart breaks its connections).</summary>
    private sealed class SimTransport(SimNode from, int incarnation) : IRaftTransport
    {
        public void SendRequest(int destinationId, long correlationId, RaftRequest request) =>
            from.Cluster.Network.Send(from, incarnation, destinationId, MessageCode(request), raft =>
                raft.HandleRequest(from.NodeId, correlationId, request, from.Cluster.Nodes[destinationId].Now));

        public void SendResponse(int destinationId, long correlationId, RaftResponse response) =>
            from.Cluster.Network.Send(from, incarnation, destinationId, 100 + MessageCode(response), raft =>
                raft.HandleResponse(from.NodeId, correlationId, response, from.Cluster.Nodes[destinationId].Now));

        private static int MessageCode(object message) => message switch
        {
            RaftVoteRequest { PreVote: true } or RaftVoteResponse => 10,
            RaftVoteRequest => 11,
            RaftBeginQuorumEpochRequest or RaftBeginQuorumEpochResponse => 12,
            RaftEndQuorumEpochRequest or RaftEndQuorumEpochResponse => 13,
            RaftFetchRequest or RaftFetchResponse => 14,
            RaftFetchSnapshotRequest or RaftFetchSnapshotResponse => 15,
            _ => 16,
        };
    }
}
