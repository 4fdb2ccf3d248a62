namespace Gregor.Cluster.Configs;

/// <summary>IncrementalAlterConfigs operations, numbered as on the wire (Kafka's AlterConfigOp.OpType).</summary>
public enum ConfigOperation : sbyte
{
    Set = 0,
    Delete = 1,
    Append = 2,
    Subtract = 3,
}
