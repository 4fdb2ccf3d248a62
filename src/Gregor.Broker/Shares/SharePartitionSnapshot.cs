namespace Gregor.Broker.Shares;

/// <summary>
/// What a share partition persists: its start offset (SPSO) and the state of each in-flight
/// record that is not Available with count 0. Acquired records are written as Available with their
/// delivery count, so a restarted broker offers them again and never lowers their count.
/// </summary>
public sealed record SharePartitionSnapshot(long StartOffset, IReadOnlyList<PersistedStateBatch> StateBatches);
