namespace Gregor.Broker.Coordinator;

/// <summary>The outcome of replaying one coordinator partition.</summary>
public sealed record CoordinatorLoadSummary(int Partition, long Records, TimeSpan Elapsed);
