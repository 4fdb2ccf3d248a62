namespace Gregor.Cluster.Replication;

/// <summary>
/// What the broker's AlterPartition sender should do after <see cref="LeaderReplicaState.OnAlterPartitionResponse"/>
/// (Kafka's Partition.handleAlterPartitionError / handleAlterPartitionUpdate).
/// </summary>
public enum AlterPartitionResponseAction
{
    /// <summary>The answer was for a proposal that is no longer pending (superseded by a newer image); nothing to do.</summary>
    Ignored,

    /// <summary>The controller committed the change; the state now uses the new ISR and partition epoch.</summary>
    Applied,

    /// <summary>The controller refused it for good (INELIGIBLE_REPLICA, OPERATION_NOT_ATTEMPTED): back to the committed ISR; a new change may be proposed.</summary>
    Reverted,

    /// <summary>Stale leader or partition epoch: keep the change pending until the next image for this partition clears it.</summary>
    AwaitMetadata,

    /// <summary>A transient error (timeout, NOT_CONTROLLER…): send the same proposal again.</summary>
    Retry,
}
