namespace Gregor.Cluster.Partitions;

/// <summary>
/// The window a CreateTime batch's timestamps must fall in, relative to the broker clock
/// <see cref="NowMs"/>: no earlier than BeforeMaxMs ago, no later than AfterMaxMs ahead.
/// </summary>
public readonly record struct TimestampBounds(long BeforeMaxMs, long AfterMaxMs, long NowMs);
