namespace Gregor.Cluster.Simulation;

/// <summary>The outcome of one seed: its trace hash, a few counters, and the violation if one was found.</summary>
public sealed record SimulationResult(long Seed, ulong TraceHash, long Events, long CommittedEnd, int HighestEpoch,
    long MessagesSent, int Truncations, int SnapshotDownloads, string? Violation)
{
    public bool Passed => Violation is null;
}
