namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// Deliberately wrong variants of the controller core, switched on only by the simulator's canary
/// tests (internal; visible to the simulation project) to prove the simulator catches each one.
/// </summary>
internal sealed record ControllerFaults
{
    public static ControllerFaults None { get; } = new();

    /// <summary>AlterPartition lets fenced, shutting-down, unknown or stale-epoch replicas into the ISR (no KIP-903 check).</summary>
    public bool AdmitIneligibleReplicas { get; init; }
}
