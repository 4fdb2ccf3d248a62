using Gregor.Cluster.Raft;

namespace Gregor.Cluster.Simulation;

/// <summary>How one simulated run is set up: the cluster, the faults, the workload and the plug-ins.</summary>
public sealed record SimulationOptions
{
    public int Voters { get; init; } = 3;

    /// <summary>Non-voting replicas (brokers) that follow the log; node ids after the voters'.</summary>
    public int Observers { get; init; } = 1;

    /// <summary>Virtual time during which faults are injected; then everything heals.</summary>
    public long FaultPhaseMs { get; init; } = 20_000;

    /// <summary>After the heal: a leader must exist and a new proposal must commit within this.</summary>
    public long LivenessBoundMs { get; init; } = 20_000;

    /// <summary>Mean time between two fault actions during the fault phase.</summary>
    public int MeanFaultIntervalMs { get; init; } = 1_000;

    /// <summary>Mean time between two client proposals.</summary>
    public int MeanProposalIntervalMs { get; init; } = 60;

    /// <summary>Every this many committed offsets a node's state machine takes a snapshot (0 = never).</summary>
    public int SnapshotEveryOffsets { get; init; } = 40;

    /// <summary>Raft options for every node (NodeId and Voters are filled in per node).</summary>
    public Func<RaftOptions, RaftOptions> ConfigureRaft { get; init; } = o => o;

    /// <summary>Extra components for a node (re)start, beside the built-in state machine.</summary>
    public Func<int, IEnumerable<ISimComponent>> Components { get; init; } = _ => [];

    /// <summary>Extra invariants, beside the built-in Raft ones.</summary>
    public IReadOnlyList<ISimInvariant> Invariants { get; init; } = [];
}
