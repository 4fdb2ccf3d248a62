namespace Gregor.Cluster.Raft;

/// <summary>
/// An offset paired with the epoch of the batch at (or ending at) it, as Kafka's
/// <c>OffsetAndEpoch</c>. Which offset is meant — inclusive last offset or exclusive end offset —
/// is said where the type is used.
/// </summary>
public readonly record struct OffsetAndEpoch(long Offset, int Epoch) : IComparable<OffsetAndEpoch>
{
    /// <summary>Orders by epoch first, then offset: Raft's "log is at least as up to date" order.</summary>
    public int CompareTo(OffsetAndEpoch other) =>
        Epoch != other.Epoch ? Epoch.CompareTo(other.Epoch) : Offset.CompareTo(other.Offset);
}
