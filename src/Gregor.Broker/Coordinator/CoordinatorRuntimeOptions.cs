namespace Gregor.Broker.Coordinator;

/// <summary>Settings of one <see cref="CoordinatorRuntime{TShard, TRecord}"/>.</summary>
public sealed record CoordinatorRuntimeOptions
{
    /// <summary>The coordinator's name in metrics and logs ("group", later "share", "transaction").</summary>
    public string Name { get; init; } = "group";

    /// <summary>
    /// Requests waiting per partition before new ones are refused with COORDINATOR_NOT_AVAILABLE
    /// (clients back off and retry). Timer events and load/unload are not counted: they are
    /// bounded by the timers a shard holds. 10,000 events of a few hundred bytes each is a few MiB
    /// per partition at worst, and a queue that long means the partition is far behind anyway.
    /// </summary>
    public int MaxQueuedEventsPerPartition { get; init; } = 10_000;
}
