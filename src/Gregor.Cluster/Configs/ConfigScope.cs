namespace Gregor.Cluster.Configs;

/// <summary>
/// When and where a config can change (Kafka's DynamicBrokerConfig update modes): a read-only
/// broker key is set in server.properties and needs a restart; a per-broker key can also be set
/// for one broker through AlterConfigs; a cluster-wide key for one broker or for every broker
/// (the default entity ""); a topic key per topic; a group key per group (GROUP resource, KIP-848/932).
/// </summary>
public enum ConfigScope
{
    ReadOnly,
    PerBroker,
    ClusterWide,
    Topic,
    Group,
}
