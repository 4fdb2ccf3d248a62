namespace Gregor.Broker.Admin;

/// <summary>Config resource types on the wire (Kafka's ConfigResource.Type ids).</summary>
public enum ConfigResourceType : sbyte
{
    Unknown = 0,
    Topic = 2,
    Broker = 4,
    BrokerLogger = 8,
    ClientMetrics = 16,
    Group = 32,
}
