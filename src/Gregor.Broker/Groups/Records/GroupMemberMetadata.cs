namespace Gregor.Broker.Groups.Records;

/// <summary>One member inside a <see cref="GroupMetadataValue"/> (Kafka's MemberMetadata struct).</summary>
public sealed record GroupMemberMetadata(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    int RebalanceTimeout,
    int SessionTimeout,
    byte[] Subscription,
    byte[] Assignment);
