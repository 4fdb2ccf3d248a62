namespace Gregor.Broker.Groups;

/// <summary>A consumer group with its state, members and the lag of every partition it committed.</summary>
public sealed record GroupLag(
    string GroupId,
    GroupState State,
    string ProtocolType,
    string Protocol,
    IReadOnlyList<GroupMemberDescription> Members,
    IReadOnlyList<PartitionLag> Partitions)
{
    /// <summary>The sum of the known partition lags.</summary>
    public long TotalLag => Partitions.Sum(p => p.Lag ?? 0);
}
