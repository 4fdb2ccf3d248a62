using Gregor.Broker.Security;

namespace Gregor.Broker.Tests.Security;

public sealed class AclOperationsTests
{
    // Kafka's AclOperation codes: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8,
    // CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
    [Fact]
    public void Topic_WithoutAuthorizer_IsKafkasEightTopicOperations()
    {
        var expected = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

        Assert.Equal(expected, AclOperations.Authorized(AclResourceType.Topic));
        Assert.Equal(8, AclOperations.Supported(AclResourceType.Topic).Count);
    }

    [Fact]
    public void Cluster_WithoutAuthorizer_IsKafkasSevenClusterOperations()
    {
        var expected = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12);

        Assert.Equal(expected, AclOperations.Authorized(AclResourceType.Cluster));
    }

    [Fact]
    public void Group_WithoutAuthorizer_IsReadDescribeDeleteAndTheConfigOperations()
    {
        var expected = (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11);

        Assert.Equal(expected, AclOperations.Authorized(AclResourceType.Group));
    }

    [Fact]
    public void OtherResourceTypes_AreKafkasSets()
    {
        Assert.Equal((1 << 4) | (1 << 8), AclOperations.Authorized(AclResourceType.TransactionalId));
        Assert.Equal(1 << 8, AclOperations.Authorized(AclResourceType.DelegationToken));
        Assert.Equal((1 << 13) | (1 << 14), AclOperations.Authorized(AclResourceType.User));
    }

    [Fact]
    public void NotRequested_IsTheSchemasInt32MinDefault()
    {
        Assert.Equal(int.MinValue, AclOperations.NotRequested);
        Assert.Equal(AclOperations.NotRequested, new Gregor.Protocol.Messages.MetadataResponse.MetadataResponseTopic().TopicAuthorizedOperations);
    }
}
