using System.Collections.Immutable;
using Gregor.Cluster.Replication;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// One deterministic data-plane seed (issue #12 A): 3–5 brokers holding RF-3 partitions with
/// min.insync.replicas 2, a controller, one idempotent acks=all producer and one consumer per
/// partition, on one seeded <see cref="SimScheduler"/>. A fault phase injects drops, duplicates,
/// slow links, isolation (also of a leader from the controller only: a zombie), process crashes (page cache
/// kept), machine crashes (unflushed tail lost, maybe torn — bounded by the seed's
/// <see cref="CrashMode"/>) and pauses; then everything heals and within the liveness bound every
/// partition must be led, every replica caught up and in the ISR, every batch acknowledged.
/// <para>Invariants after every event: at most one leader per partition epoch; a leader's HWM
/// never moves back within its epoch; the log below every leader's HWM equals the committed
/// history (what any leader ever had below its HWM — so no two replicas differ below a HWM and
/// nothing committed changes) and every ISR member agrees with its leader below the HWM;
/// acknowledged records match the committed history once covered. At the end: every
/// acknowledged record is in the leader's log at the offset it was acknowledged with, each
/// producer's sequences appear exactly once and in order (no duplicates), and all replicas hold
/// the same log.</para>
/// </summary>
public sealed class DataPlaneSimulation
{
    private readonly Dictionary<(int Partition, int Epoch), int> _leaderOfEpoch = [];
    private readonly Dictionary<(int Partition, int Epoch), long> _maxHighWatermark = [];
    private readonly List<(int Epoch, int ProducerId, int Sequence)>[] _committed;
    private readonly List<SimProducer> _producers = [];
    private long _healedAt = -1;

    public DataPlaneSimulation(long seed, DataPlaneOptions? options = null)
    {
        Seed = seed;
        Options = options ?? new DataPlaneOptions();
        Random = new Random(unchecked((int)(seed ^ (seed >> 32)) ^ 0x12));
        var brokers = Options.Brokers ?? 3 + (Random.Next(4) switch { 0 => 1, 1 => 2, _ => 0 });
        CrashMode = Options.CrashMode ?? (CrashMode)Random.Next(3);
        CoreOptions = new ReplicationOptions
        {
            MinInsyncReplicas = Options.MinInsyncReplicas,
            ReplicaLagTimeMaxMs = Options.ReplicaLagTimeMaxMs,
            Faults = Options.Canary switch
            {
                DataPlaneCanary.HighWatermarkIsMax => new ReplicationFaults { HighWatermarkIsMax = true },
                DataPlaneCanary.AdmitFencedReplica => new ReplicationFaults { AdmitIneligibleReplicas = true },
                _ => ReplicationFaults.None,
            },
        };
        Network = new DataPlaneNetwork(this);
        Hosts = [.. Enumerable.Range(0, brokers).Select(id => new SimBrokerHost(this, id))];
        var assignments = new List<ImmutableArray<int>>();
        for (var p = 0; p < Options.Partitions; p++)
        {
            var ids = Enumerable.Range(0, brokers).OrderBy(_ => Random.Next()).Take(Options.ReplicationFactor).ToImmutableArray();
            assignments.Add(ids);
            foreach (var id in ids)
            {
                Hosts[id].LogFor(p);
            }
        }
        Controller = new SimPartitionController(this, assignments);
        _committed = [.. assignments.Select(_ => new List<(int, int, int)>())];
    }

    public long Seed { get; }

    public DataPlaneOptions Options { get; }

    public CrashMode CrashMode { get; }

    public ReplicationOptions CoreOptions { get; }

    public Random Random { get; }

    public SimScheduler Scheduler { get; } = new();

    public TraceHash Trace { get; } = new();

    public DataPlaneNetwork Network { get; }

    public IReadOnlyList<SimBrokerHost> Hosts { get; }

    public SimPartitionController Controller { get; }

    public IReadOnlyList<SimProducer> Producers => _producers;

    public DataPlaneStats Stats { get; } = new();

    /// <summary>When set, faults, elections and acknowledgements are written here (replaying a seed).</summary>
    public Action<string>? Log { get; set; }

    public long MaxEvents { get; init; } = 3_000_000;

    public bool Healed => _healedAt >= 0;

    public void Violation(string message) => throw new SimulationViolationException($"t={Scheduler.Now}ms: {message}");

    internal void Say(string line) => Log?.Invoke($"{Scheduler.Now,7} {line}");

    /// <summary>The incarnation an endpoint runs (-1 when down): brokers restart, the controller and clients do not.</summary>
    public int IncarnationOf(int endpoint) =>
        endpoint < Hosts.Count ? (Hosts[endpoint].IsUp ? Hosts[endpoint].Incarnation : -1) : 0;

    /// <summary>Runs an event on an endpoint if it is still the same incarnation; waits while it is paused; checks the invariants after.</summary>
    public void RunOn(int endpoint, int incarnation, int code, Action action)
    {
        if (endpoint < Hosts.Count)
        {
            var host = Hosts[endpoint];
            if (!host.IsUp || host.Incarnation != incarnation)
            {
                return;
            }
            if (Scheduler.Now < host.PausedUntil)
            {
                Scheduler.At(host.PausedUntil, () => RunOn(endpoint, incarnation, code, action));
                return;
            }
        }
        Trace.Add(Scheduler.Now, endpoint, code);
        action();
        AfterEvent();
    }

    internal void OnElected(int partition, int leader, int epoch)
    {
        Stats.Elections++;
        Say($"controller: p{partition} leader {leader} epoch {epoch}");
    }

    internal void OnBecameLeader(int partition, int broker, int epoch)
    {
        if (_leaderOfEpoch.TryGetValue((partition, epoch), out var other) && other != broker)
        {
            Violation($"p{partition} epoch {epoch} has two leaders: {other} and {broker}");
        }
        _leaderOfEpoch[(partition, epoch)] = broker;
        Say($"broker {broker}: leads p{partition} in epoch {epoch} (log end {Hosts[broker].Logs[partition].LogEndOffset})");
    }

    internal void OnAcknowledged(int partition, int producerId, int baseSequence, int count, long offset)
    {
        Say($"ack p{partition} seq {baseSequence}+{count} at {offset}");
        var committed = _committed[partition];
        for (var i = 0; i < count; i++)
        {
            if (offset + i < committed.Count && committed[(int)(offset + i)] is var record
                && (record.ProducerId != producerId || record.Sequence != baseSequence + i))
            {
                Violation($"p{partition}: acknowledged seq {baseSequence + i} at {offset + i}, but the committed record there is {record}");
            }
        }
    }

    internal void OnConsumed(int partition, long offset, (int Epoch, int ProducerId, int Sequence) record)
    {
        var committed = _committed[partition];
        if (offset >= committed.Count)
        {
            Violation($"p{partition}: a consumer read offset {offset}, past every HWM so far (committed up to {committed.Count})");
        }
        if (committed[(int)offset] != record)
        {
            Violation($"p{partition}: a consumer read {record} at {offset}, but {committed[(int)offset]} was committed there");
        }
        Stats.Consumed++;
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
        foreach (var host in Hosts)
        {
            Trace.Add(host.Id, host.Logs.Values.Sum(l => l.LogEndOffset), host.Incarnation);
        }
        return new SimulationResult(Seed, Trace.Value, Trace.Events, Stats.Acknowledged, (int)Stats.Elections, Network.Sent,
            (int)Stats.Truncations, 0, violation);
    }

    private void RunPhases()
    {
        Start();
        if (Options.RandomFaults)
        {
            Scheduler.After(500 + Random.Next(Options.MeanFaultIntervalMs * 2), InjectFault);
        }
        RunUntil(Options.FaultPhaseMs);
        Heal();
    }

    /// <summary>Starts the controller, the brokers and the producers (named scenarios then drive faults themselves).</summary>
    public void Start()
    {
        Controller.Start();
        foreach (var host in Hosts)
        {
            Scheduler.After(Random.Next(100), () => StartHost(host, host.Incarnation));
        }
        for (var p = 0; p < Options.Partitions; p++)
        {
            var producer = new SimProducer(this, p);
            _producers.Add(producer);
            producer.Start();
            new SimConsumer(this, p).Start();
        }
    }

    /// <summary>Runs events until virtual time <paramref name="until"/>.</summary>
    public void RunUntil(long until)
    {
        while (Scheduler.RunNext(until))
        {
        }
    }

    /// <summary>Runs events until <paramref name="condition"/> holds (checked after each) or virtual time <paramref name="until"/>; whether it held.</summary>
    public bool RunUntil(Func<bool> condition, long until)
    {
        while (!condition() && Scheduler.RunNext(until))
        {
        }
        return condition();
    }

    /// <summary>Heals, then runs until the cluster is live again and checks the end-of-run properties.</summary>
    public void Heal()
    {
        _healedAt = Scheduler.Now;
        Say("heal");
        Trace.Add(_healedAt, -1, 999);
        Network.HealAll();
        foreach (var host in Hosts)
        {
            host.PausedUntil = 0;
            if (!host.IsUp)
            {
                StartHost(host, host.Incarnation);
            }
        }
        foreach (var producer in _producers)
        {
            producer.Stopped = true;
        }
        var deadline = _healedAt + Options.LivenessBoundMs;
        while (!Live() && Scheduler.RunNext(deadline))
        {
        }
        if (!Live())
        {
            // A producer stuck on OUT_OF_ORDER_SEQUENCE usually means its acknowledged records are gone: say so first.
            CheckAcknowledgedPresent();
            Violation($"liveness: {Options.LivenessBoundMs} ms after the heal: {DescribeLiveness()}");
        }
        CheckEnd();
    }

    public void StartHost(SimBrokerHost host, int downIncarnation)
    {
        if (!host.IsUp && host.Incarnation == downIncarnation)
        {
            host.Start();
            AfterEvent();
        }
    }

    public void CrashHost(SimBrokerHost host, bool machine, bool torn, long restartAfterMs, bool wipe = false)
    {
        if (!host.IsUp)
        {
            return;
        }
        if (wipe)
        {
            DataLossEvents++;
        }
        if (machine && !wipe)
        {
            Stats.MachineCrashes++;
        }
        else
        {
            Stats.ProcessCrashes++;
        }
        Say($"broker {host.Id}: {(wipe ? "disk replaced (empty)" : machine ? torn ? "machine crash (torn tail)" : "machine crash" : "process crash")}");
        if (machine && !wipe && CrashMode != CrashMode.FlushEveryMessage)
        {
            DataLossEvents++;
        }
        host.Crash(machine, torn, wipe);
        var incarnation = host.Incarnation;
        if (restartAfterMs >= 0)
        {
            Scheduler.After(restartAfterMs, () => StartHost(host, incarnation));
        }
        AfterEvent();
    }

    /// <summary>Crashes that lost bytes (machine crashes without flush.messages=1, empty-disk rejoins).</summary>
    public int DataLossEvents { get; private set; }

    /// <summary>How many replicas may lose data in this seed: none, or min.insync.replicas − 1 (issue #12's bounds).</summary>
    private int DataLossBudget => CrashMode == CrashMode.ProcessOnly ? 0 : Options.MinInsyncReplicas - 1;

    private bool MachineCrashAllowed => CrashMode switch
    {
        CrashMode.ProcessOnly => false,
        CrashMode.FewMachineCrashes => DataLossEvents < DataLossBudget,
        _ => true,
    };

    private void InjectFault()
    {
        if (Healed || Scheduler.Now >= Options.FaultPhaseMs)
        {
            return;
        }
        var host = Hosts[Random.Next(Hosts.Count)];
        var duration = 200 + Random.Next(5_000);
        var kind = Random.Next(11);
        Trace.Add(Scheduler.Now, -1, 1000 + kind, host.Id);
        Say($"fault {kind} broker {host.Id} for {duration}");
        var everyone = Hosts.Select(h => h.Id).Append(SimPartitionController.NodeId).Concat(_producers.Select(p => p.NodeId))
            .Concat(_producers.Select(p => 3_000 + p.Partition)).ToList();
        switch (kind)
        {
            case 0:
                Network.DropRate = new[] { 0, 0.01, 0.05, 0.2 }[Random.Next(4)];
                break;
            case 1:
                Network.DuplicateRate = new[] { 0, 0.02, 0.1 }[Random.Next(3)];
                Network.SlowRate = new[] { 0.02, 0.1, 0.3 }[Random.Next(3)];
                break;
            case 2: // isolate a broker from everyone
                CutFor(duration, [.. everyone.Where(id => id != host.Id).SelectMany(id => new[] { (host.Id, id), (id, host.Id) })]);
                break;
            case 3: // a zombie: cut off from the controller only, still reachable by clients and brokers
                CutFor(duration, [(host.Id, SimPartitionController.NodeId), (SimPartitionController.NodeId, host.Id)]);
                break;
            case 4: // one-way link between two brokers
                var other = Hosts[(host.Id + 1 + Random.Next(Hosts.Count - 1)) % Hosts.Count];
                CutFor(duration, [(other.Id, host.Id)]);
                break;
            case 5:
            case 6:
                var machine = kind == 6 && MachineCrashAllowed;
                CrashHost(host, machine, torn: machine && Random.Next(2) == 0, restartAfterMs: 100 + Random.Next(4_000));
                break;
            case 7:
                if (host.IsUp && Scheduler.Now >= host.PausedUntil)
                {
                    host.PausedUntil = Scheduler.Now + 100 + Random.Next(4_000);
                }
                break;
            case 8:
                Kip903Race();
                break;
            default: // a quiet spell
                break;
        }
        Scheduler.After(1 + Random.Next(Options.MeanFaultIntervalMs * 2), InjectFault);
    }

    /// <summary>
    /// The KIP-903 race: a follower a leader is just adding to its ISR crashes and comes straight
    /// back (with an empty disk when the seed's data-loss budget allows), while the leader is
    /// cut off from the controller for a moment, so its retried AlterPartition — carrying the old
    /// incarnation's broker epoch — reaches the controller after the new incarnation registered.
    /// </summary>
    private void Kip903Race()
    {
        foreach (var host in Hosts)
        {
            foreach (var replica in host.Process?.Replicas.Values ?? [])
            {
                if (replica.Leader?.PendingIsrChange is { Kind: IsrChangeKind.Expand } change)
                {
                    var joining = Hosts[change.NewIsr[^1].BrokerId];
                    // The joining broker also cannot fetch for a while, so it does not simply catch up again.
                    CutFor(300 + Random.Next(700), [
                        (host.Id, SimPartitionController.NodeId), (SimPartitionController.NodeId, host.Id),
                        (host.Id, joining.Id), (joining.Id, host.Id),
                    ]);
                    var wipe = DataLossEvents < DataLossBudget;
                    CrashHost(joining, machine: wipe, torn: false, restartAfterMs: 20 + Random.Next(100), wipe: wipe);
                    return;
                }
            }
        }
    }

    public void CutFor(long durationMs, List<(int From, int To)> links)
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

    internal void AfterEvent()
    {
        if (Trace.Events > MaxEvents)
        {
            Violation($"more than {MaxEvents} events: an event storm");
        }
        foreach (var host in Hosts)
        {
            if (host.Process is not { } broker)
            {
                continue;
            }
            foreach (var replica in broker.Replicas.Values)
            {
                if (replica.Leader is { } leader)
                {
                    CheckLeader(host, replica, leader);
                }
            }
        }
        CheckIsrMembersHoldTheCommittedLog();
    }

    /// <summary>
    /// A committed ISR member whose current process has registered holds everything below its
    /// leader's HWM: it joined only after fetching up to the HWM, the HWM waits for it, and only
    /// a crash (a new incarnation, which leaves the ISR when it registers) shortens its log. An
    /// ISR admitting a fenced or stale-epoch replica (KIP-903) breaks this.
    /// </summary>
    private void CheckIsrMembersHoldTheCommittedLog()
    {
        var image = Controller.Image;
        foreach (var partition in image.Partitions)
        {
            if (partition.Leader < 0
                || Hosts[partition.Leader].Process?.Replicas.GetValueOrDefault(partition.Partition)?.Leader is not { } leader
                || leader.LeaderEpoch != partition.LeaderEpoch)
            {
                continue;
            }
            foreach (var member in partition.Isr)
            {
                if (member == partition.Leader
                    || Hosts[member].Process is not { } process
                    || !image.Brokers.TryGetValue(member, out var registration)
                    || process.BrokerEpoch != registration.Epoch)
                {
                    continue;
                }
                var end = Hosts[member].Logs[partition.Partition].LogEndOffset;
                if (end < leader.HighWatermark)
                {
                    Violation($"p{partition.Partition}: ISR member {member} (broker epoch {registration.Epoch}) ends at {end}, below leader {partition.Leader}'s HWM {leader.HighWatermark}");
                }
            }
        }
    }

    private void CheckLeader(SimBrokerHost host, SimReplica replica, LeaderReplicaState leader)
    {
        var p = replica.Partition;
        var hwm = leader.HighWatermark;
        var key = (p, leader.LeaderEpoch);
        if (_maxHighWatermark.TryGetValue(key, out var max) && hwm < max)
        {
            Violation($"p{p} epoch {leader.LeaderEpoch}: HWM moved back from {max} to {hwm} on broker {host.Id}");
        }
        _maxHighWatermark[key] = Math.Max(max, hwm);
        if (hwm > replica.Log.LogEndOffset)
        {
            Violation($"p{p}: broker {host.Id}'s HWM {hwm} is past its log end {replica.Log.LogEndOffset}");
        }
        // Everything below a leader's HWM is committed: it must equal what was committed before and stay so.
        var committed = _committed[p];
        for (var offset = replica.VerifiedUpTo; offset < hwm; offset++)
        {
            var record = replica.Log.RecordAt(offset)!.Value;
            if (offset < committed.Count)
            {
                if (committed[(int)offset] != record)
                {
                    Violation($"p{p}: broker {host.Id} (leader, epoch {leader.LeaderEpoch}) has {record} at {offset} below its HWM {hwm}, but {committed[(int)offset]} was committed there");
                }
            }
            else
            {
                committed.Add(record);
            }
        }
        replica.VerifiedUpTo = Math.Max(replica.VerifiedUpTo, hwm);
        foreach (var member in leader.Isr)
        {
            if (member == host.Id || !Hosts[member].Logs.TryGetValue(p, out var log))
            {
                continue;
            }
            var end = Math.Min(hwm, log.LogEndOffset);
            if (end > 0 && log.RecordAt(end - 1) != replica.Log.RecordAt(end - 1))
            {
                Violation($"p{p}: ISR member {member} differs from leader {host.Id} at {end - 1}, below the HWM {hwm}");
            }
        }
    }

    private bool Live()
    {
        if (_producers.Any(p => !p.Idle))
        {
            return false;
        }
        var image = Controller.Image;
        foreach (var partition in image.Partitions)
        {
            if (partition.Leader < 0 || partition.Isr.Length != partition.Replicas.Length
                || Hosts[partition.Leader].Process?.Replicas.GetValueOrDefault(partition.Partition)?.Leader is not { } leader
                || leader.LeaderEpoch != partition.LeaderEpoch)
            {
                return false;
            }
            var leaderLog = Hosts[partition.Leader].Logs[partition.Partition];
            if (leader.HighWatermark != leaderLog.LogEndOffset)
            {
                return false;
            }
            foreach (var id in partition.Replicas)
            {
                if (Hosts[id].Logs[partition.Partition].LogEndOffset != leaderLog.LogEndOffset)
                {
                    return false;
                }
            }
        }
        return true;
    }

    private string DescribeLiveness() => string.Join("; ", Controller.Image.Partitions.Select(p =>
        $"p{p.Partition} leader {p.Leader}@{p.LeaderEpoch} isr [{string.Join(",", p.Isr)}] elr [{string.Join(",", Controller.Elr(p.Partition))}] ends " +
        string.Join(",", p.Replicas.Select(id => $"{id}:{Hosts[id].Logs[p.Partition].LogEndOffset}{(Hosts[id].IsUp ? "" : "(down)")}")) +
        $" producer idle={_producers[p.Partition].Idle}"));

    private void CheckAcknowledgedPresent()
    {
        foreach (var partition in Controller.Image.Partitions)
        {
            if (partition.Leader < 0)
            {
                continue;
            }
            var log = Hosts[partition.Leader].Logs[partition.Partition];
            var producer = _producers[partition.Partition];
            foreach (var (sequence, offset) in producer.Acknowledged)
            {
                if (log.RecordAt(offset) is not { } record || record.ProducerId != producer.ProducerId || record.Sequence != sequence)
                {
                    Violation($"p{partition.Partition}: acknowledged seq {sequence} at offset {offset} lost on leader {partition.Leader} (now {log.RecordAt(offset)?.ToString() ?? "nothing"} there; log end {log.LogEndOffset})");
                }
            }
        }
    }

    private void CheckEnd()
    {
        CheckAcknowledgedPresent();
        foreach (var partition in Controller.Image.Partitions)
        {
            var p = partition.Partition;
            var log = Hosts[partition.Leader].Logs[p];
            var producer = _producers[p];
            var committed = _committed[p];
            for (var offset = 0; offset < committed.Count; offset++)
            {
                if (log.RecordAt(offset) != committed[offset])
                {
                    Violation($"p{p}: after the heal the leader has {log.RecordAt(offset)} at {offset}, where {committed[offset]} was committed");
                }
            }
            var expected = 0;
            foreach (var batch in log.Batches)
            {
                if (batch.BaseSequence != expected)
                {
                    Violation(batch.BaseSequence < expected
                        ? $"p{p}: duplicate: seq {batch.BaseSequence} at offset {batch.BaseOffset} was already written"
                        : $"p{p}: seq {expected}..{batch.BaseSequence - 1} missing before offset {batch.BaseOffset}");
                }
                expected = batch.LastSequence + 1;
            }
            foreach (var id in partition.Replicas)
            {
                var other = Hosts[id].Logs[p];
                for (var offset = 0L; offset < log.LogEndOffset; offset++)
                {
                    if (other.RecordAt(offset) != log.RecordAt(offset))
                    {
                        Violation($"p{p}: after the heal replica {id} differs from leader {partition.Leader} at {offset}");
                    }
                }
            }
        }
    }
}
