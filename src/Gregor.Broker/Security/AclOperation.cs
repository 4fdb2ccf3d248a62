namespace Gregor.Broker.Security;

/// <summary>
/// Kafka's ACL operations with their wire codes (org.apache.kafka.common.acl.AclOperation): the
/// codes are the bit positions of the authorized-operations fields of Metadata, DescribeCluster,
/// DescribeGroups and the like, and the operation field of the ACL APIs.
/// </summary>
public enum AclOperation : byte
{
    Unknown = 0,
    Any = 1,
    All = 2,
    Read = 3,
    Write = 4,
    Create = 5,
    Delete = 6,
    Alter = 7,
    Describe = 8,
    ClusterAction = 9,
    DescribeConfigs = 10,
    AlterConfigs = 11,
    IdempotentWrite = 12,
    CreateTokens = 13,
    DescribeTokens = 14,
    TwoPhaseCommit = 15,
}
