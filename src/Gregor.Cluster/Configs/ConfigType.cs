namespace Gregor.Cluster.Configs;

/// <summary>Config value types, numbered as DescribeConfigs v3+ reports them (Kafka's ConfigDef.Type ids).</summary>
public enum ConfigType : sbyte
{
    Unknown = 0,
    Boolean = 1,
    String = 2,
    Int = 3,
    Short = 4,
    Long = 5,
    Double = 6,
    List = 7,
    Class = 8,
    Password = 9,
}
