namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// How one data-plane seed is set up. Times are virtual milliseconds, scaled down from Kafka's
/// defaults (session 9 s → 2 s, replica.lag.time.max.ms 30 s → 3 s) so that fencing, ISR shrinks
/// and re-expansions happen many times inside one fault phase.
/// </summary>
public sealed record DataPlaneOptions
{
    /// <summary>Brokers; null picks 3, 4 or 5 from the seed.</summary>
    public int? Brokers { get; init; }

    /// <summary>Crash mode; null picks one from the seed.</summary>
    public CrashMode? CrashMode { get; init; }

    public int Partitions { get; init; } = 2;

    public int ReplicationFactor { get; init; } = 3;

    public int MinInsyncReplicas { get; init; } = 2;

    public long FaultPhaseMs { get; init; } = 12_000;

    /// <summary>After the heal: every partition led, every replica caught up and every produced batch acknowledged within this.</summary>
    public long LivenessBoundMs { get; init; } = 30_000;

    public int MeanFaultIntervalMs { get; init; } = 700;

    public long SessionTimeoutMs { get; init; } = 2_000;

    public long HeartbeatIntervalMs { get; init; } = 250;

    public long ReplicaLagTimeMaxMs { get; init; } = 3_000;

    public long ProduceTimeoutMs { get; init; } = 1_500;

    public DataPlaneCanary Canary { get; init; } = DataPlaneCanary.None;

    /// <summary>Skip the random fault phase (named scenarios drive faults themselves).</summary>
    public bool RandomFaults { get; init; } = true;
}
