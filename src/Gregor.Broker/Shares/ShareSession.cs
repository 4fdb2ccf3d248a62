namespace Gregor.Broker.Shares;

/// <summary>
/// A share session (KIP-932): the partitions one member of one group fetches, and the epoch its next
/// request must carry. Opened by a ShareFetch with epoch 0, advanced by one per request, closed by
/// epoch −1, by the member leaving, or by its connection closing (which releases its records).
/// Mutated only under the <see cref="ShareSessionCache"/>'s lock.
/// </summary>
public sealed class ShareSession(string groupId, string memberId, string connectionId)
{
    public string GroupId { get; } = groupId;

    public string MemberId { get; } = memberId;

    /// <summary>The connection that opened it: closing that connection closes the session.</summary>
    public string ConnectionId { get; } = connectionId;

    /// <summary>The epoch the next request must carry (1 after the opening request).</summary>
    public int NextEpoch { get; set; } = 1;

    /// <summary>The session's partitions in the order they were added.</summary>
    public List<(Guid TopicId, int Partition)> Partitions { get; } = [];

    /// <summary>The registration on the connection's close token; disposed when the session closes first.</summary>
    public CancellationTokenRegistration ConnectionClosed { get; set; }
}
