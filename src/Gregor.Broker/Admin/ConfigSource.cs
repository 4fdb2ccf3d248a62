namespace Gregor.Broker.Admin;

/// <summary>Where a described config value comes from, numbered as DescribeConfigs v1+ reports it (Kafka's ConfigSource).</summary>
public enum ConfigSource : sbyte
{
    Unknown = 0,
    DynamicTopicConfig = 1,
    DynamicBrokerConfig = 2,
    DynamicDefaultBrokerConfig = 3,
    StaticBrokerConfig = 4,
    DefaultConfig = 5,
    DynamicBrokerLoggerConfig = 6,
}
