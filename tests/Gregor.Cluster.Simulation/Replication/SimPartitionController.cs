using System.Collections.Immutable;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Replication;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// A minimal controller for the data-plane simulator, applying the rules of Kafka's
/// ReplicationControlManager / PartitionChangeBuilder (KRaft, KIP-903, KIP-966) to one topic:
/// broker registration (a new broker epoch per incarnation; a restart is an unclean shutdown,
/// so the broker leaves every ISR and ELR), heartbeats and fencing after the session timeout
/// (fenced brokers leave every ISR), AlterPartition validation (leader and partition epochs;
/// INELIGIBLE_REPLICA for fenced, unregistered or stale-epoch members), the ELR (replicas that
/// leave an ISR below min.insync.replicas), and elections: the first unfenced ISR member in
/// replica order, else (ISR empty) an unfenced ELR member, else (both empty: KIP-966 balanced
/// unclean recovery) once every replica is back the one with the newest epoch and longest log.
/// <para>
/// It is one never-crashing endpoint on the simulated network: the Raft quorum that makes the
/// real controller durable is part 1's simulator's subject. Swapping in ControllerCore (as the
/// controller simulation drives it) is the next step once its AlterPartition and elections land.
/// </para>
/// </summary>
public sealed class SimPartitionController
{
    public const int NodeId = 1_000;
    public static readonly Guid TopicId = new("0000000c-0000-0000-0000-000000000012");

    private readonly DataPlaneSimulation _simulation;
    private readonly Dictionary<int, BrokerImage> _brokers = [];
    private readonly Dictionary<int, long> _lastHeartbeat = [];
    private readonly Dictionary<int, int> _incarnations = [];
    private readonly PartitionImage[] _partitions;
    private readonly List<int>[] _elr;
    private long _nextBrokerEpoch = 100;
    private long _version;

    public SimPartitionController(DataPlaneSimulation simulation, IReadOnlyList<ImmutableArray<int>> assignments)
    {
        _simulation = simulation;
        _partitions = [.. assignments.Select((replicas, p) => new PartitionImage(p, -1, 0, replicas, replicas, 0))];
        _elr = [.. assignments.Select(_ => new List<int>())];
        Image = Build();
    }

    public SimImage Image { get; private set; }

    public int MinIsr => _simulation.Options.MinInsyncReplicas;

    public IReadOnlyList<int> Elr(int partition) => _elr[partition];

    public void Start() => _simulation.Scheduler.After(100, Tick);

    /// <summary>
    /// Registers a broker process (the same epoch again for a retry of the same incarnation).
    /// <c>clean</c>: its log cannot have lost anything it had (flush.messages=1 and the same disk),
    /// so it keeps its ISR and ELR places.
    /// </summary>
    public void Register(int brokerId, int incarnation, bool clean, Action<long, SimImage> reply)
    {
        if (_incarnations.GetValueOrDefault(brokerId) == incarnation && _brokers.TryGetValue(brokerId, out var existing))
        {
            // A retried registration of the same process (its answer was lost): same epoch, as Kafka does for the same incarnation id.
            reply(existing.Epoch, Image);
            return;
        }
        _incarnations[brokerId] = incarnation;
        var epoch = ++_nextBrokerEpoch;
        _simulation.Say($"controller: broker {brokerId} registered, epoch {epoch}");
        _brokers[brokerId] = new BrokerImage(brokerId, "b" + brokerId, 9092, null, Fenced: true) { Epoch = epoch };
        _lastHeartbeat[brokerId] = _simulation.Scheduler.Now;
        // A re-registration follows a kill (the simulator has no controlled shutdown): an unclean
        // shutdown, so its log may miss what it acknowledged — out of every ISR and ELR (KIP-966);
        // unless every append was fsynced and the disk is the same one (it says so when it registers).
        for (var p = 0; incarnation > 1 && p < _partitions.Length; p++)
        {
            if (!clean)
            {
                RemoveReplica(p, brokerId, unclean: true);
            }
            else if (_partitions[p].Leader == brokerId)
            {
                // The new process must not lead in its predecessor's epoch (its HWM restarts from
                // the checkpoint): elect again, in a new epoch, while it is fenced.
                Elect(p);
            }
        }
        Publish();
        reply(epoch, Image);
    }

    public void Heartbeat(int brokerId, long brokerEpoch, Action<ErrorCode, SimImage> reply)
    {
        if (!_brokers.TryGetValue(brokerId, out var broker) || broker.Epoch != brokerEpoch)
        {
            reply(ErrorCode.StaleBrokerEpoch, Image);
            return;
        }
        _lastHeartbeat[brokerId] = _simulation.Scheduler.Now;
        if (broker.Fenced)
        {
            _brokers[brokerId] = broker with { Fenced = false };
            _simulation.Say($"controller: broker {brokerId} unfenced");
            for (var p = 0; p < _partitions.Length; p++)
            {
                if (_partitions[p].Leader < 0)
                {
                    Elect(p);
                }
            }
            Publish();
        }
        reply(ErrorCode.None, Image);
    }

    public void AlterPartition(int brokerId, long brokerEpoch, IsrChange change, Action<ErrorCode, PartitionImage?> reply)
    {
        if (!_brokers.TryGetValue(brokerId, out var broker) || broker.Epoch != brokerEpoch)
        {
            reply(ErrorCode.StaleBrokerEpoch, null);
            return;
        }
        var p = change.Partition;
        var current = _partitions[p];
        if (current.Leader != brokerId || change.LeaderEpoch != current.LeaderEpoch)
        {
            reply(ErrorCode.FencedLeaderEpoch, null);
            return;
        }
        if (change.PartitionEpoch != current.PartitionEpoch)
        {
            reply(ErrorCode.InvalidUpdateVersion, null);
            return;
        }
        var newIsr = change.NewIsrIds.ToImmutableArray();
        if (!newIsr.Contains(brokerId) || newIsr.Any(id => !current.Replicas.Contains(id)) || newIsr.Distinct().Count() != newIsr.Length)
        {
            reply(ErrorCode.InvalidRequest, null);
            return;
        }
        if (_simulation.Options.Canary != DataPlaneCanary.AdmitFencedReplica)
        {
            foreach (var member in change.NewIsr)
            {
                if (!_brokers.TryGetValue(member.BrokerId, out var b) || b.Fenced || (member.BrokerEpoch != -1 && member.BrokerEpoch != b.Epoch))
                {
                    reply(ErrorCode.IneligibleReplica, null);
                    return;
                }
            }
        }
        SetIsr(p, newIsr);
        _partitions[p] = _partitions[p] with { PartitionEpoch = current.PartitionEpoch + 1 };
        _simulation.Trace.Add(_simulation.Scheduler.Now, NodeId, 50, p);
        Publish();
        reply(ErrorCode.None, _partitions[p]);
    }

    private void Tick()
    {
        var now = _simulation.Scheduler.Now;
        var changed = false;
        foreach (var (id, broker) in _brokers.ToList())
        {
            if (!broker.Fenced && now - _lastHeartbeat[id] > _simulation.Options.SessionTimeoutMs)
            {
                _brokers[id] = broker with { Fenced = true };
                _simulation.Say($"controller: broker {id} fenced");
                for (var p = 0; p < _partitions.Length; p++)
                {
                    RemoveReplica(p, id, unclean: false);
                }
                changed = true;
            }
        }
        if (changed)
        {
            Publish();
        }
        _simulation.Scheduler.After(100, Tick);
    }

    /// <summary>A broker leaves partition <paramref name="p"/>'s ISR (fenced) or ISR and ELR (unclean restart); a new leader if it led.</summary>
    private void RemoveReplica(int p, int brokerId, bool unclean)
    {
        var partition = _partitions[p];
        if (!partition.Replicas.Contains(brokerId))
        {
            return;
        }
        var changed = false;
        if (partition.Isr.Contains(brokerId))
        {
            SetIsr(p, partition.Isr.Remove(brokerId));
            changed = true;
        }
        if (unclean && _elr[p].Remove(brokerId))
        {
            changed = true;
        }
        if (_partitions[p].Leader == brokerId || (_partitions[p].Leader < 0 && changed))
        {
            Elect(p);
            changed = true;
        }
        if (changed)
        {
            _partitions[p] = _partitions[p] with { PartitionEpoch = _partitions[p].PartitionEpoch + 1 };
        }
    }

    /// <summary>Sets the ISR and keeps the ELR as KIP-966 does: replicas leaving an ISR below min ISR join it; at or above min ISR it is empty.</summary>
    private void SetIsr(int p, ImmutableArray<int> newIsr)
    {
        var old = _partitions[p].Isr;
        if (newIsr.Length >= MinIsr)
        {
            _elr[p].Clear();
        }
        else
        {
            foreach (var id in old)
            {
                if (!newIsr.Contains(id) && !_elr[p].Contains(id))
                {
                    _elr[p].Add(id);
                }
            }
            _elr[p].RemoveAll(newIsr.Contains);
        }
        _partitions[p] = _partitions[p] with { Isr = newIsr };
        _simulation.Say($"controller: p{p} isr [{string.Join(",", newIsr)}] elr [{string.Join(",", _elr[p])}]");
    }

    private bool Unfenced(int id) => _brokers.TryGetValue(id, out var b) && !b.Fenced;

    private void Elect(int p)
    {
        var partition = _partitions[p];
        var leader = partition.Replicas.FirstOrDefault(id => partition.Isr.Contains(id) && Unfenced(id), -1);
        var isr = partition.Isr;
        if (leader < 0 && isr.IsEmpty)
        {
            leader = partition.Replicas.FirstOrDefault(id => _elr[p].Contains(id) && Unfenced(id), -1);
            if (leader < 0 && _elr[p].Count == 0 && partition.Replicas.All(Unfenced))
            {
                // KIP-966 unclean recovery (balanced): nobody is known to hold everything, so once
                // every replica is back, the one with the newest epoch and the longest log leads.
                // Kafka asks them (GetReplicaLogInfo); the simulator reads their disks.
                leader = partition.Replicas
                    .OrderByDescending(id => _simulation.Hosts[id].Logs[p].Batches is { Count: > 0 } b ? b[^1].Epoch : -1)
                    .ThenByDescending(id => _simulation.Hosts[id].Logs[p].LogEndOffset)
                    .First();
                _simulation.Say($"controller: p{p} unclean recovery elects {leader}");
            }
            if (leader >= 0)
            {
                _elr[p].Remove(leader);
                isr = [leader];
            }
        }
        if (leader == partition.Leader)
        {
            return;
        }
        _partitions[p] = partition with { Leader = leader, LeaderEpoch = partition.LeaderEpoch + 1, Isr = isr, PartitionEpoch = partition.PartitionEpoch + 1 };
        _simulation.OnElected(p, leader, partition.LeaderEpoch + 1);
    }

    private void Publish()
    {
        Image = Build();
        _simulation.Trace.Add(_simulation.Scheduler.Now, NodeId, 51, Image.Version);
        foreach (var broker in _simulation.Hosts)
        {
            var image = Image;
            _simulation.Network.Send(NodeId, broker.Id, 52, () => broker.Process?.OnImage(image));
        }
    }

    private SimImage Build() => new(++_version, _brokers.ToImmutableDictionary(), [.. _partitions]);
}
