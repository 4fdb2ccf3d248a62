namespace Gregor.Broker.Shares;

/// <summary>
/// One member of a share group: its epoch as last told, subscription, target assignment and the
/// assignment it was last sent. Mutated only under the coordinator's lock.
/// </summary>
public sealed class ShareGroupMember(string memberId, string clientId, string clientHost)
{
    public string MemberId { get; } = memberId;

    public string ClientId { get; } = clientId;

    public string ClientHost { get; } = clientHost;

    public string? RackId { get; set; }

    /// <summary>The epoch the member was last told; its next heartbeat must carry it.</summary>
    public int Epoch { get; set; }

    public IReadOnlyList<string> SubscribedTopicNames { get; set; } = [];

    /// <summary>What the assignor gives it now (sorted by topic, partition).</summary>
    public IReadOnlyList<TopicIdPartition> Assignment { get; set; } = [];

    /// <summary>What its last heartbeat response carried; null before the first.</summary>
    public IReadOnlyList<TopicIdPartition>? SentAssignment { get; set; }

    /// <summary>Unix ms of its last heartbeat: the session timeout counts from here.</summary>
    public long LastHeartbeatMs { get; set; }

    /// <summary>Fires when the session timeout may have passed.</summary>
    public ITimer? SessionTimer { get; set; }
}
