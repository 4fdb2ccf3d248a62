using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// One deterministic run: a cluster of voters on a simulated network and disk, driven by a single
/// seeded scheduler on the calling thread. Phase one injects random faults (drops, duplicates,
/// slow links, partitions, process and machine crashes, pauses, clock jumps, slow fsync) while a
/// client proposes batches to whoever leads; phase two heals everything and requires a leader and
/// a newly proposed batch to commit within <see cref="SimulationOptions.LivenessBoundMs"/>.
/// Invariants run after every event; a failure throws <see cref="SimulationViolationException"/>.
/// </summary>
public sealed class SimCluster
{
    private readonly List<ISimInvariant> _invariants;
    private readonly List<SimNode> _nodes = [];
    private long _nextValue;
    private long _healedAt = -1;
    private long _firstValueAfterHeal = long.MaxValue;
    private long _catchUpTarget = -1;

    public SimCluster(long seed, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Seed = seed;
        Options = options;
        Random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        Network = new SimNetwork(this);
        History = new CommittedHistory(this);
        _invariants = [new RaftSafetyInvariants(), .. options.Invariants];
        for (var i = 0; i < options.Voters + options.Observers; i++)
        {
            _nodes.Add(new SimNode(this, i));
        }
    }

    public long Seed { get; }

    public SimulationOptions Options { get; }

    public SimScheduler Scheduler { get; } = new();

    public TraceHash Trace { get; } = new();

    /// <summary>The seed's random stream for the network, faults and workload.</summary>
    public Random Random { get; }

    public SimNetwork Network { get; }

    public CommittedHistory History { get; }

    public IReadOnlyList<SimNode> Nodes => _nodes;

    public bool Healed => _healedAt >= 0;

    public void Violation(string message) =>
        throw new SimulationViolationException($"t={Scheduler.Now}ms: {message}");

    /// <summary>When set, every role change, fault and proposal is written here (replaying one seed to see what happened).</summary>
    public Action<string>? Log { get; set; }

    private readonly Dictionary<int, string> _lastRole = [];

    /// <summary>With <see cref="Log"/>: also every event delivered to a node (message kind codes as in SimNode).</summary>
    public bool LogMessages { get; set; }

    /// <summary>One line per node: role, epoch, high watermark, log start/end/flushed, snapshot.</summary>
    public IEnumerable<string> DescribeNodes() => _nodes.Select(n =>
        $"node {n.NodeId}: {n.Raft?.Role.ToString() ?? "down"}@{n.Raft?.Epoch} leader={n.Raft?.LeaderAndEpoch.LeaderId} hwm={n.Raft?.HighWatermark} " +
        $"log {n.Log.LogStartOffset}..{n.Log.EndOffset} flushed={n.Log.FlushedEndOffset} lastEpoch={n.Log.LastFetchedEpoch} snapshot={n.Log.LatestSnapshotId} paused={n.IsPaused} skew={n.ClockSkewMs}");

    internal void Say(string line) => Log?.Invoke($"{Scheduler.Now,7} {line}");

    /// <summary>A run that needs more events than this is stuck in an event storm (a livelock); it fails.</summary>
    public long MaxEvents { get; init; } = 2_000_000;

    internal void AfterEvent()
    {
        if (Trace.Events > MaxEvents)
        {
            Violation($"more than {MaxEvents} events: an event storm (livelock)");
        }

        if (Log is not null)
        {
            foreach (var node in _nodes)
            {
                var role = node.Raft is { } r ? $"{r.Role}@{r.Epoch} leader={r.LeaderAndEpoch.LeaderId} voted={r.VotedId} hwm={r.HighWatermark} end={node.Log.EndOffset}/{node.Log.FlushedEndOffset}" : "down";
                var shortRole = node.Raft is { } r2 ? $"{r2.Role}@{r2.Epoch}/{r2.LeaderAndEpoch.LeaderId}" : "down";
                if (_lastRole.GetValueOrDefault(node.NodeId) != shortRole)
                {
                    _lastRole[node.NodeId] = shortRole;
                    Say($"node {node.NodeId}: {role}");
                }
            }
        }

        foreach (var invariant in _invariants)
        {
            invariant.Check(this);
        }
    }

    public SimulationResult Run()
    {
        string? violation = null;
        try
        {
            RunPhases();
        }
        catch (SimulationViolationException e)
        {
            violation = e.Message;
        }

        foreach (var node in _nodes)
        {
            Trace.Add(node.NodeId, node.Log.EndOffset, node.Raft?.HighWatermark ?? -2, node.Raft?.Epoch ?? -2);
        }

        var highestEpoch = _nodes.Max(n => n.Store.Read()?.LeaderEpoch ?? 0);
        return new SimulationResult(Seed, Trace.Value, Trace.Events, History.End, highestEpoch, Network.Sent,
            _nodes.Sum(n => n.Log.Truncations), _nodes.Sum(n => n.Log.SnapshotDownloads), violation);
    }

    private void RunPhases()
    {
        foreach (var node in _nodes)
        {
            Scheduler.After(Random.Next(100), () => StartNode(node, node.Incarnation));
        }

        Scheduler.After(Random.Next(Options.MeanFaultIntervalMs * 2), InjectFault);
        Scheduler.After(Random.Next(Options.MeanProposalIntervalMs * 2), Propose);
        while (Scheduler.RunNext(Options.FaultPhaseMs))
        {
        }

        Heal();
        var deadline = _healedAt + Options.LivenessBoundMs;
        while (!LivenessReached() && Scheduler.RunNext(deadline))
        {
        }

        if (!LivenessReached())
        {
            var roles = string.Join(", ", _nodes.Select(n => $"{n.NodeId}:{n.Raft?.Role.ToString() ?? "down"}@{n.Raft?.Epoch}"));
            Violation(_catchUpTarget < 0
                ? $"liveness: no batch proposed after the heal at {_healedAt}ms committed within {Options.LivenessBoundMs}ms ({roles})"
                : $"liveness: not every node applied the log up to {_catchUpTarget} within {Options.LivenessBoundMs}ms of the heal ({roles}; applied: {string.Join(", ", _nodes.Select(n => n.Components.OfType<ReplicatedCounter>().FirstOrDefault()?.NextOffset ?? -1))})");
        }
    }

    // Some batch proposed after the heal committed (an earlier post-heal proposal may be lost
    // legitimately, made to a leader that was about to be replaced), and then every node —
    // voters and observers — has applied the log up to there.
    private bool LivenessReached()
    {
        if (History.MaxValue < _firstValueAfterHeal)
        {
            return false;
        }

        if (_catchUpTarget < 0)
        {
            _catchUpTarget = History.End;
        }

        return _nodes.All(n => n.Components.OfType<ReplicatedCounter>().Any(c => c.NextOffset >= _catchUpTarget));
    }

    private void StartNode(SimNode node, int downIncarnation)
    {
        if (!node.IsUp && node.Incarnation == downIncarnation)
        {
            node.Start();
            AfterEvent();
        }
    }

    private void Propose()
    {
        var leaders = _nodes.Where(n => n.Raft is { Role: RaftRole.Leader } && !n.IsPaused).ToList();
        if (leaders.Count > 0)
        {
            var node = leaders[Random.Next(leaders.Count)];
            var raft = node.Raft!;
            var count = Random.Next(10) == 0 ? 1 + Random.Next(5) : 1;
            var records = new List<MetadataRecord>(count);
            for (var i = 0; i < count; i++)
            {
                var value = ++_nextValue;
                records.Add(new ProducerIdsRecord(node.NodeId, raft.Epoch, value));
                if (Healed && _firstValueAfterHeal == long.MaxValue)
                {
                    _firstValueAfterHeal = value;
                }
            }

            node.Run(node.Incarnation, 7, _nextValue, r => r.ScheduleAtomicAppend(r.Epoch, records));
        }

        Scheduler.After(1 + Random.Next(Options.MeanProposalIntervalMs * 2), Propose);
    }

    private void InjectFault()
    {
        if (Healed || Scheduler.Now >= Options.FaultPhaseMs)
        {
            return;
        }

        var node = _nodes[Random.Next(_nodes.Count)];
        var other = _nodes[(node.NodeId + 1 + Random.Next(_nodes.Count - 1)) % _nodes.Count];
        var duration = 200 + Random.Next(8_000);
        var kind = Random.Next(11);
        Trace.Add(Scheduler.Now, -1, 1000 + kind, node.NodeId);
        Say($"fault {kind} node {node.NodeId} other {other.NodeId} duration {duration}");
        switch (kind)
        {
            case 0:
                Network.DropRate = new[] { 0, 0.01, 0.05, 0.2 }[Random.Next(4)];
                break;
            case 1:
                Network.DuplicateRate = new[] { 0, 0.02, 0.1 }[Random.Next(3)];
                Network.SlowRate = new[] { 0.02, 0.1, 0.3 }[Random.Next(3)];
                break;
            case 2: // isolate one node both ways
                CutFor(duration, [.. _nodes.Where(n => n != node).SelectMany(n => new[] { (node.NodeId, n.NodeId), (n.NodeId, node.NodeId) })]);
                break;
            case 3: // one-way: node can send to other but not hear from it
                CutFor(duration, [(other.NodeId, node.NodeId)]);
                break;
            case 4: // bridge: node and other cannot talk, everyone else talks to both
                CutFor(duration, [(node.NodeId, other.NodeId), (other.NodeId, node.NodeId)]);
                break;
            case 5:
            case 6:
                if (node.IsUp)
                {
                    var machine = kind == 6;
                    node.Crash(machine, torn: machine && Random.Next(2) == 0);
                    var incarnation = node.Incarnation;
                    Scheduler.After(100 + Random.Next(5_000), () => StartNode(node, incarnation));
                    AfterEvent();
                }

                break;
            case 7:
                if (node.IsUp && !node.IsPaused)
                {
                    node.PausedUntil = Scheduler.Now + 100 + Random.Next(5_000);
                }

                break;
            case 8: // the node's clock jumps ahead
                node.ClockSkewMs += Random.Next(3_000);
                break;
            case 9:
                node.SlowFsyncUntil = Scheduler.Now + duration;
                break;
            default: // a quiet spell
                break;
        }

        Scheduler.After(1 + Random.Next(Options.MeanFaultIntervalMs * 2), InjectFault);
    }

    private void CutFor(long durationMs, List<(int From, int To)> links)
    {
        foreach (var (from, to) in links)
        {
            Network.Cut(from, to);
        }

        Scheduler.After(durationMs, () =>
        {
            foreach (var (from, to) in links)
            {
                Network.Restore(from, to);
            }
        });
    }

    private void Heal()
    {
        _healedAt = Scheduler.Now;
        Trace.Add(_healedAt, -1, 999, 0);
        Network.HealAll();
        foreach (var node in _nodes)
        {
            node.SlowFsyncUntil = 0;
            if (!node.IsUp)
            {
                StartNode(node, node.Incarnation);
            }
        }
    }
}
