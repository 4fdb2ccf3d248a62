namespace Gregor.Broker.Coordinator;

/// <summary>What the runtime hands a new shard: its partition, its timer and the clock.</summary>
public sealed record CoordinatorShardContext<TRecord>(int Partition, CoordinatorTimer<TRecord> Timer, TimeProvider Time);
