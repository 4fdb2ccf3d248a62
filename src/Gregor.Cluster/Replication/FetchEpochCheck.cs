namespace Gregor.Cluster.Replication;

/// <summary>
/// The leader's check of a follower fetch's (FetchOffset, LastFetchedEpoch) against its own epoch
/// history (Kafka's Partition.validateFetchOffsetAndMaybeGetDivergingEpoch).
/// <see cref="DivergingEpoch"/> is set only when <see cref="Kind"/> is
/// <see cref="FetchEpochCheckKind.Diverging"/>.
/// </summary>
public readonly record struct FetchEpochCheck(FetchEpochCheckKind Kind, EpochEndOffset DivergingEpoch)
{
    public static FetchEpochCheck Consistent { get; } = new(FetchEpochCheckKind.Consistent, EpochEndOffset.Undefined);
    public static FetchEpochCheck OutOfRange { get; } = new(FetchEpochCheckKind.OffsetOutOfRange, EpochEndOffset.Undefined);
}
