namespace Gregor.Cluster.Configs;

/// <summary>How much a key matters to an operator (Kafka's ConfigDef.Importance); orders the generated docs.</summary>
public enum ConfigImportance
{
    High,
    Medium,
    Low,
}
