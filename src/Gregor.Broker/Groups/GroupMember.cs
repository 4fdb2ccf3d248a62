namespace Gregor.Broker.Groups;

/// <summary>
/// One member of a classic group: identity, timeouts, supported protocols, the assignment the
/// leader gave it, and the JoinGroup/SyncGroup responses it is waiting for. Owned by its
/// <see cref="ConsumerGroup"/> and only touched under that group's lock.
/// </summary>
internal sealed class GroupMember(
    string memberId,
    string? groupInstanceId,
    string clientId,
    string clientHost,
    int sessionTimeoutMs,
    int rebalanceTimeoutMs,
    IReadOnlyList<GroupProtocol> protocols)
{
    /// <summary>Changes when a static member rejoins without its id (the old id is fenced).</summary>
    public string MemberId { get; set; } = memberId;
    public string? GroupInstanceId { get; } = groupInstanceId;
    public string ClientId { get; set; } = clientId;
    public string ClientHost { get; set; } = clientHost;
    public int SessionTimeoutMs { get; set; } = sessionTimeoutMs;
    public int RebalanceTimeoutMs { get; set; } = rebalanceTimeoutMs;
    public IReadOnlyList<GroupProtocol> Protocols { get; set; } = protocols;
    public byte[] Assignment { get; set; } = [];

    /// <summary>The pending JoinGroup response while the group is rebalancing.</summary>
    public TaskCompletionSource<JoinGroupResult>? AwaitingJoin { get; set; }

    /// <summary>The pending SyncGroup response while the leader's assignment is awaited.</summary>
    public TaskCompletionSource<SyncGroupResult>? AwaitingSync { get; set; }

    /// <summary>Unix ms after which the member is dead unless it heartbeats.</summary>
    public long HeartbeatDeadlineMs { get; set; }

    /// <summary>Whether a session-expiry check for this member sits in the scheduler.</summary>
    public bool ExpiryScheduled { get; set; }

    public bool IsStatic => GroupInstanceId is not null;

    public byte[] MetadataFor(string protocol)
    {
        foreach (var p in Protocols)
        {
            if (p.Name == protocol)
            {
                return p.Metadata;
            }
        }
        return [];
    }

    public bool Supports(string protocol)
    {
        foreach (var p in Protocols)
        {
            if (p.Name == protocol)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Same protocols, same order, same metadata bytes: a rejoin that changes nothing.</summary>
    public bool Matches(IReadOnlyList<GroupProtocol> protocols)
    {
        if (protocols.Count != Protocols.Count)
        {
            return false;
        }
        for (var i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Name != Protocols[i].Name || !protocols[i].Metadata.AsSpan().SequenceEqual(Protocols[i].Metadata))
            {
                return false;
            }
        }
        return true;
    }
}
