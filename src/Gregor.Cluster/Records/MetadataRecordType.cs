namespace Gregor.Cluster.Records;

/// <summary>
/// The apiKey of each KRaft metadata record Gregor writes, numbered as Kafka's
/// <c>metadata/*.json</c> schemas number them, so a metadata log is readable by Kafka's tools.
/// </summary>
public enum MetadataRecordType : short
{
    RegisterBroker = 0,
    UnregisterBroker = 1,
    Topic = 2,
    Partition = 3,
    Config = 4,
    PartitionChange = 5,
    FenceBroker = 7,
    UnfenceBroker = 8,
    RemoveTopic = 9,
    FeatureLevel = 12,
    ProducerIds = 15,
    BrokerRegistrationChange = 17,
    NoOp = 20,
}
