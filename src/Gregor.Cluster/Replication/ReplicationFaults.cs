namespace Gregor.Cluster.Replication;

/// <summary>
/// Test-only switches that make the replication core deliberately wrong, so the data-plane
/// simulator can prove it catches each mistake (its canaries). Internal: visible to the
/// simulation project only; production always uses <see cref="None"/>.
/// </summary>
internal sealed record ReplicationFaults
{
    public static ReplicationFaults None { get; } = new();

    /// <summary>The high watermark taken as the largest log end offset over the ISR instead of the smallest.</summary>
    public bool HighWatermarkIsMax { get; init; }

    /// <summary>Fenced, shutting-down or stale-epoch followers proposed for the ISR (KIP-903 ignored).</summary>
    public bool AdmitIneligibleReplicas { get; init; }
}
