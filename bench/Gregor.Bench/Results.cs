namespace Gregor.Bench;

/// <summary>Broker-side cost of one scenario: CPU time, peak RSS and GC totals (deltas). Immutable.</summary>
internal sealed record BrokerUsage(double CpuSeconds, double WallSeconds, double PeakRssMiB, double? GcPauseMs, int Gen0, int Gen1, int Gen2)
{
    public double CpuPercent => WallSeconds > 0 ? 100 * CpuSeconds / WallSeconds : 0;
}

/// <summary>One throughput measurement (Gregor, Redis or a machine limit). MB = 10^6 bytes. Immutable.</summary>
internal sealed record ThroughputResult(string Name, long Records, long Bytes, double Seconds)
{
    public BrokerUsage? Broker { get; init; }
    public double ClientCpuSeconds { get; init; }
    public long Errors { get; init; }
    public string Note { get; init; } = "";
    public double RecordsPerSecond => Seconds > 0 ? Records / Seconds : 0;
    public double MegabytesPerSecond => Seconds > 0 ? Bytes / Seconds / 1e6 : 0;
}

/// <summary>End-to-end latency at a fixed offered rate (produce call → consumer receives). Immutable.</summary>
internal sealed record LatencyResult(string Name, double TargetMBps, double AchievedMBps, long Samples,
    double P50Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public BrokerUsage? Broker { get; init; }
    public double ClientCpuSeconds { get; init; }
    public string Note { get; init; } = "";

    /// <summary>What served the records: "Gregor", or "librdkafka mock" (the client's floor).</summary>
    public string Target { get; init; } = "Gregor";

    /// <summary>Which repetition of the latency scenarios this is (1-based).</summary>
    public int Round { get; init; } = 1;

    /// <summary>Rate at which records reached the consumer (received bytes over first produce → last receive).</summary>
    public double DeliveredMBps { get; init; }
}

/// <summary>The GC probe's running totals inside the broker (pause ms, collection counts, GC.GetTotalMemory bytes). Immutable.</summary>
internal sealed record GcTotals(double PauseMs, int Gen0, int Gen1, int Gen2, long HeapBytes);

/// <summary>One soak sample, taken every second: broker VmRSS, CPU so far, GC totals, and the records acknowledged/consumed so far. Immutable.</summary>
internal sealed record SoakSample(double Seconds, double RssMiB, double CpuSeconds, GcTotals? Gc, long Acked, long Consumed)
{
    /// <summary>RssAnon: private memory (heaps, native allocations): where a leak would show.</summary>
    public double RssAnonMiB { get; init; }

    /// <summary>RssFile: mapped files (the runtime's assemblies, the logs' mmapped indexes): reclaimable.</summary>
    public double RssFileMiB { get; init; }
}

/// <summary>What one soak run measured (<see cref="SoakRun"/>); rendered by <see cref="SoakReport"/>. Immutable.</summary>
internal sealed record SoakResult(TimeSpan Duration, double RateMBps, IReadOnlyList<SoakSample> Samples)
{
    /// <summary>Produce calls accepted by the client during the timed window.</summary>
    public long Sent { get; init; }
    public double ProduceSeconds { get; init; }
    public long ProduceErrors { get; init; }
    public long AckedAtEnd { get; init; }
    public long ConsumedAtEnd { get; init; }
    public long ConsumedBytesAtEnd { get; init; }
    public long AckedAfterDrain { get; init; }
    public long ConsumedAfterDrain { get; init; }
    public double DrainSeconds { get; init; }

    /// <summary>Apparent size of the broker's data directory after the drain (log segments, indexes, offsets topic).</summary>
    public long DataBytesAfterDrain { get; init; }

    /// <summary>Sum over partitions of (log end offset − committed offset) just before the consumer closed; null when not readable.</summary>
    public long? CommittedLag { get; init; }
    public int AssignedPartitions { get; init; }
    public double? JoinedAfterSeconds { get; init; }
    public long ConsumeErrors { get; init; }
    public List<string> Notes { get; init; } = [];
}
