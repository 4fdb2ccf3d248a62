namespace Gregor.Cluster.Controller;

/// <summary>
/// A topic to create. NumPartitions -1 = num.partitions, ReplicationFactor -1 =
/// default.replication.factor; Assignments (partition → replica broker ids) replaces both.
/// </summary>
public sealed record CreateTopicSpec(
    string Name,
    int NumPartitions,
    short ReplicationFactor,
    IReadOnlyDictionary<string, string?> Configs,
    IReadOnlyDictionary<int, int[]>? Assignments = null);
