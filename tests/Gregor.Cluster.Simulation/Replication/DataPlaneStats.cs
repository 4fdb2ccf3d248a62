namespace Gregor.Cluster.Simulation.Replication;

/// <summary>What one data-plane seed did — so a test can prove the runs exercise failover, truncation and ISR changes.</summary>
public sealed class DataPlaneStats
{
    public long Acknowledged { get; set; }

    public long Elections { get; set; }

    public long Consumed { get; set; }

    public long Truncations { get; set; }

    public long ProduceErrors { get; set; }

    public long MachineCrashes { get; set; }

    public long ProcessCrashes { get; set; }
}
