namespace Gregor.Cluster.Metadata;

/// <summary>What the metadata loader is configured with.</summary>
public sealed record MetadataLoaderOptions
{
    public required string ClusterId { get; init; }

    /// <summary>This node's id: the image's controller id until a leader is known.</summary>
    public required int NodeId { get; init; }

    /// <summary>metadata.log.max.record.bytes.between.snapshots: snapshot after this many record bytes since the last one.</summary>
    public long MaxBytesBetweenSnapshots { get; init; } = 20L * 1024 * 1024;

    /// <summary>
    /// metadata.log.max.snapshot.interval.ms: snapshot once this much log time has passed since the
    /// last snapshot while newer records exist (0 disables the time trigger).
    /// </summary>
    public long MaxSnapshotIntervalMs { get; init; } = 3_600_000;

    /// <summary>False: never write snapshots (a node whose Raft client cannot, or tests).</summary>
    public bool GenerateSnapshots { get; init; } = true;
}
