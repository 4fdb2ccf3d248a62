using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// One seeded run of three combined nodes (Raft replica + metadata loader + controller core +
/// broker lifecycle manager each) under the simulator's faults, with an admin client creating
/// and deleting topics through random nodes throughout. Raft's phases run first (faults, heal,
/// Raft liveness); then the run goes on until every broker is registered and unfenced in the
/// active controller's committed image and an admin create made after the heal succeeded —
/// within <see cref="LivenessBoundMs"/>, or it is a violation.
/// </summary>
public sealed class ControllerSimulation
{
    public const long LivenessBoundMs = 30_000;

    private static readonly HashSet<ErrorCode> Expected =
    [
        ErrorCode.None, ErrorCode.NotController, ErrorCode.TopicAlreadyExists, ErrorCode.InvalidReplicationFactor,
        ErrorCode.UnknownTopicOrPartition,
    ];

    private readonly SimCluster _cluster;
    private readonly MetadataImageInvariant _images = new();
    private readonly PartitionReplicationInvariant _replication = new();
    private readonly ReplicationWorkload _workload;
    private int _nextTopic;
    private long _healedAt = -1;

    /// <summary><paramref name="corruptSnapshot"/> (canaries only) rewrites the records of every metadata snapshot a loader writes.</summary>
    public ControllerSimulation(long seed, SimulationOptions? options = null,
        Func<IReadOnlyList<Gregor.Cluster.Records.MetadataRecord>, IReadOnlyList<Gregor.Cluster.Records.MetadataRecord>>? corruptSnapshot = null)
        : this(seed, options, Gregor.Cluster.Controller.Core.ControllerFaults.None, corruptSnapshot)
    {
    }

    /// <summary>A run whose controllers have deliberately broken <paramref name="faults"/> (canaries).</summary>
    internal ControllerSimulation(long seed, SimulationOptions? options, Gregor.Cluster.Controller.Core.ControllerFaults faults,
        Func<IReadOnlyList<Gregor.Cluster.Records.MetadataRecord>, IReadOnlyList<Gregor.Cluster.Records.MetadataRecord>>? corruptSnapshot = null)
    {
        // The metadata loaders own the snapshots (as in production), so the built-in counter writes none.
        _cluster = new SimCluster(seed, (options ?? new SimulationOptions()) with
        {
            SnapshotEveryOffsets = 0,
            Components = _ => [new MetadataSimNode(Snapshots, corruptSnapshot: corruptSnapshot) { Faults = faults }],
            Invariants = [_images, _replication],
        });
        _workload = new ReplicationWorkload(_cluster);
    }

    /// <summary>Metadata snapshots written and loaded in this run, over every node.</summary>
    public MetadataSnapshotStats Snapshots { get; } = new();

    /// <summary>Snapshots installed by FetchSnapshot downloads, over every node's log.</summary>
    public int SnapshotDownloads => _cluster.Nodes.Sum(n => n.Log.SnapshotDownloads);

    public SimCluster Cluster => _cluster;

    public int AdminSucceeded { get; private set; }

    public int AdminSucceededAfterHeal { get; private set; }

    public long ImageChecks => _images.Checks;

    public PartitionReplicationInvariant Replication => _replication;

    public ReplicationWorkload Workload => _workload;

    /// <summary>Runs the seed; returns the violation (null when every invariant and both livenesses held).</summary>
    public string? Run()
    {
        _cluster.Scheduler.After(200, AdminStep);
        _workload.Start();
        var result = _cluster.Run();
        if (!result.Passed)
        {
            return result.Violation;
        }
        try
        {
            _healedAt = _cluster.Scheduler.Now;
            var deadline = _cluster.Scheduler.Now + LivenessBoundMs;
            while (!Live() && _cluster.Scheduler.RunNext(deadline))
            {
            }
            if (!Live())
            {
                var brokers = ActiveController() is { } active
                    ? string.Join(", ", CoreOf(active).Committed.Brokers.Values.Select(b => $"{b.NodeId}:{(b.Fenced ? "fenced" : "unfenced")}"))
                    : "no active controller";
                var replicas = string.Join("; ", _cluster.DescribeNodes());
                return $"liveness: {LivenessBoundMs} ms after the Raft heal: brokers {brokers}, admin successes after heal {AdminSucceededAfterHeal}; {replicas}";
            }
        }
        catch (SimulationViolationException e)
        {
            return e.Message;
        }
        return null;
    }

    /// <summary>Runs the scheduler until <paramref name="condition"/> holds or <paramref name="forMs"/> passed; true if it held.</summary>
    public bool RunUntil(Func<bool> condition, long forMs)
    {
        var deadline = _cluster.Scheduler.Now + forMs;
        while (!condition() && _cluster.Scheduler.RunNext(deadline))
        {
        }
        return condition();
    }

    public MetadataSimNode? ActiveController() =>
        _cluster.Nodes.Where(n => n.IsUp && !n.IsPaused)
            .Select(n => n.Components.OfType<MetadataSimNode>().FirstOrDefault())
            .FirstOrDefault(m => m is { Controller.IsActive: true });

    /// <summary>The active controller's core (call after <see cref="ActiveController"/> returned one).</summary>
    private static Gregor.Cluster.Controller.Core.ControllerCore CoreOf(MetadataSimNode node) => node.Controller!;

    private bool Live()
    {
        if (AdminSucceededAfterHeal == 0 || ActiveController() is not { } active)
        {
            return false;
        }
        var image = CoreOf(active).Committed;
        return _cluster.Nodes.All(n => n.IsUp
            && image.Brokers.TryGetValue(n.NodeId, out var broker) && !broker.Fenced
            && n.Components.OfType<MetadataSimNode>().Single().Broker.State == Gregor.Cluster.Controller.Core.BrokerLifecycleState.Running);
    }

    private void AdminStep()
    {
        var random = _cluster.Random;
        var node = _cluster.Nodes[random.Next(_cluster.Nodes.Count)];
        var create = random.Next(10) < 7;
        var name = "t" + (create ? ++_nextTopic : random.Next(Math.Max(1, _nextTopic)) + 1);
        var partitions = 1 + random.Next(3);
        var replicationFactor = (short)(1 + random.Next(3));
        var submittedAfterHeal = _healedAt >= 0 || _cluster.Healed;
        node.Schedule(0, () =>
        {
            if (node.Components.OfType<MetadataSimNode>().FirstOrDefault() is not { Controller: { } controller })
            {
                return; // down, or a broker-only node: clients talk to controllers here
            }
            if (create)
            {
                controller.CreateTopic(new CreateTopicSpec(name, partitions, replicationFactor, new Dictionary<string, string?>()), false, outcome =>
                {
                    Observe(node, outcome.Error, $"create {name}");
                    if (outcome.Error == ErrorCode.None)
                    {
                        if (!controller.Committed.TopicsById.ContainsKey(outcome.TopicId))
                        {
                            _cluster.Violation($"node {node.NodeId} answered create {name} before its TopicRecord committed");
                        }
                        AdminSucceeded++;
                        if (submittedAfterHeal)
                        {
                            AdminSucceededAfterHeal++;
                        }
                    }
                });
            }
            else
            {
                controller.DeleteTopic(name, reply =>
                {
                    Observe(node, reply.Error, $"delete {name}");
                    if (reply.Error == ErrorCode.None)
                    {
                        AdminSucceeded++;
                    }
                });
            }
        });
        _cluster.Scheduler.After(50 + random.Next(500), AdminStep);
    }

    private void Observe(SimNode node, ErrorCode error, string what)
    {
        if (!Expected.Contains(error))
        {
            _cluster.Violation($"node {node.NodeId}: {what} answered {error}");
        }
    }
}
