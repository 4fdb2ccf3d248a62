namespace Gregor.Broker.Coordinator;

/// <summary>
/// What a write operation decided (Kafka's <c>CoordinatorResult</c>): the records to append to the
/// coordinator's partition and the response to give once they are durable.
/// <para>
/// Two ways to change state. With <see cref="ReplayRecords"/> (the default) the operation only
/// reads the state and the runtime replays the records into the shard after the append
/// succeeded, so a failed append leaves the state as it was (offset commits, deletions,
/// expiry). Without it the operation has already changed in-memory state that the records
/// snapshot (a classic group's membership, whose waiting members and deadlines are not in any
/// record, as in Kafka) and <see cref="OnAppendFailed"/> undoes or compensates.
/// </para>
/// </summary>
public readonly record struct CoordinatorResult<TResponse, TRecord>(IReadOnlyList<TRecord> Records, TResponse Response)
{
    /// <summary>Replay <see cref="Records"/> into the shard after the append succeeded.</summary>
    public bool ReplayRecords { get; init; } = true;

    /// <summary>Runs on the shard's event loop after the append succeeded and the replay (at once when there are no records), before the response completes.</summary>
    public Action? OnAppended { get; init; }

    /// <summary>Runs on the shard's event loop when the append failed; the response then carries the failure's error code.</summary>
    public Action<Exception>? OnAppendFailed { get; init; }
}
