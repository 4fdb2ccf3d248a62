namespace Gregor.Cluster.Records;

/// <summary>
/// Kafka's LeaderRecoveryState (KIP-704), the PartitionRecord / PartitionChangeRecord field and
/// AlterPartition's: a leader elected uncleanly is Recovering until it has recovered the
/// partition's state (transactions) and reports Recovered through AlterPartition.
/// </summary>
public enum LeaderRecoveryState : byte
{
    Recovered = 0,
    Recovering = 1,
}
