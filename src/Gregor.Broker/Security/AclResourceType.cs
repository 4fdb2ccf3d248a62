namespace Gregor.Broker.Security;

/// <summary>Kafka's concrete ACL resource types with their wire codes (org.apache.kafka.common.resource.ResourceType).</summary>
public enum AclResourceType : byte
{
    Topic = 2,
    Group = 3,
    Cluster = 4,
    TransactionalId = 5,
    DelegationToken = 6,
    User = 7,
}
