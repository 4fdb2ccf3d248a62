namespace Gregor.Cluster.Replication;

/// <summary>
/// The knobs of the replication core for one partition: Kafka's <c>replica.lag.time.max.ms</c>
/// (broker config, 30 s) and <c>min.insync.replicas</c> (topic config, default 1). Immutable;
/// a config change builds a new instance and hands it to <see cref="LeaderReplicaState.UpdateOptions"/>.
/// </summary>
public sealed record ReplicationOptions
{
    public static ReplicationOptions Default { get; } = new();

    /// <summary>
    /// A follower in the ISR that has not caught up to the leader's log end offset (as of one of
    /// its fetches) for this long is removed from the ISR. Kafka's default: 30,000 ms.
    /// </summary>
    public long ReplicaLagTimeMaxMs { get; init; } = 30_000;

    /// <summary>
    /// The high watermark advances, and acks=all produces are accepted, only while the committed
    /// ISR has at least this many members. Kafka's default: 1.
    /// </summary>
    public int MinInsyncReplicas { get; init; } = 1;

    /// <summary>Deliberately wrong variants for the simulator's canaries; never set in production.</summary>
    internal ReplicationFaults Faults { get; init; } = ReplicationFaults.None;
}
