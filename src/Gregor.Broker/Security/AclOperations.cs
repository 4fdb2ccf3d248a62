namespace Gregor.Broker.Security;

/// <summary>
/// The operations Kafka defines on each resource type (its AclEntry.supportedOperations) and the
/// authorized-operations bit field clients ask for with <c>include_*_authorized_operations</c>:
/// bit <c>1 &lt;&lt; code</c> set for each allowed <see cref="AclOperation"/> (Kafka's
/// Utils.to32BitField). With no authorizer configured — Gregor has none yet — every supported
/// operation is allowed, so <see cref="Authorized"/> answers the full set; an authorizer will
/// narrow it per principal here, in one place, for every API that reports it.
/// <para>
/// <see cref="NotRequested"/> (INT32_MIN, the schemas' default) is what Kafka sends when the
/// client did not ask. Stateless and thread-safe.
/// </para>
/// </summary>
public static class AclOperations
{
    /// <summary>The value of an authorized-operations field the client did not ask for.</summary>
    public const int NotRequested = int.MinValue;

    /// <summary>Kafka's supported operations per resource type (AclEntry.supportedOperations, Kafka 4.x).</summary>
    public static IReadOnlyList<AclOperation> Supported(AclResourceType resourceType) => resourceType switch
    {
        AclResourceType.Topic =>
        [
            AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Describe,
            AclOperation.Delete, AclOperation.Alter, AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
        ],
        AclResourceType.Group =>
        [
            AclOperation.Read, AclOperation.Describe, AclOperation.Delete, AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
        ],
        AclResourceType.Cluster =>
        [
            AclOperation.Create, AclOperation.ClusterAction, AclOperation.DescribeConfigs, AclOperation.AlterConfigs,
            AclOperation.IdempotentWrite, AclOperation.Alter, AclOperation.Describe,
        ],
        AclResourceType.TransactionalId => [AclOperation.Describe, AclOperation.Write],
        AclResourceType.DelegationToken => [AclOperation.Describe],
        AclResourceType.User => [AclOperation.CreateTokens, AclOperation.DescribeTokens],
        _ => throw new ArgumentOutOfRangeException(nameof(resourceType), resourceType, "not a concrete resource type"),
    };

    /// <summary>The bit field of <paramref name="operations"/>: bit <c>1 &lt;&lt; code</c> per operation.</summary>
    public static int ToBitField(IEnumerable<AclOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var bits = 0;
        foreach (var operation in operations)
        {
            bits |= 1 << (int)operation;
        }
        return bits;
    }

    /// <summary>
    /// The authorized operations on a resource of <paramref name="resourceType"/> as a bit field.
    /// Without an authorizer every supported operation is allowed; an authorizer will take the
    /// principal and the resource name here and narrow the set.
    /// </summary>
    public static int Authorized(AclResourceType resourceType) => resourceType switch
    {
        AclResourceType.Topic => TopicBits,
        AclResourceType.Group => GroupBits,
        AclResourceType.Cluster => ClusterBits,
        _ => ToBitField(Supported(resourceType)),
    };

    // The three sets reported on hot-ish paths (Metadata), computed once.
    private static readonly int TopicBits = ToBitField(Supported(AclResourceType.Topic));
    private static readonly int GroupBits = ToBitField(Supported(AclResourceType.Group));
    private static readonly int ClusterBits = ToBitField(Supported(AclResourceType.Cluster));
}
