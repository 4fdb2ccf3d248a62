namespace Gregor.Bench;

/// <summary>One controller failover: the active controller SIGKILLed, then a survivor names a new leader and an admin create through a survivor succeeds. Immutable.</summary>
internal sealed record FailoverRound(int Round, int KilledNode, int NewLeader, double LeaderMs, double AdminMs, double RejoinMs)
{
    /// <summary>Kill → both a new leader reported and an admin request served.</summary>
    public double FailoverMs => Math.Max(LeaderMs, AdminMs);

    /// <summary>The survivor the admin request went through.</summary>
    public int AdminThrough { get; init; }

    /// <summary>The CreateTopics attempts until one succeeded (error codes, timeouts), folded.</summary>
    public string AdminAttempts { get; init; } = "";
}

/// <summary>One broker pause: SIGSTOP → Metadata through another node stops listing it; SIGCONT → listed again. Immutable.</summary>
internal sealed record FencingRound(int Round, int PausedNode, double FencedMs, double BackMs);

/// <summary>Topics created through one node, one request at a time. Immutable.</summary>
internal sealed record MetadataThroughput(string Target, int Topics, int TopicsPerRequest, double Seconds, int Errors)
{
    public double TopicsPerSecond => Seconds > 0 ? Topics / Seconds : 0;

    /// <summary>Topics/s over the first and the last tenth of the requests: whether creating gets slower as topics accumulate.</summary>
    public double FirstTenthPerSecond { get; init; }

    public double LastTenthPerSecond { get; init; }

    /// <summary>How many topics the node already had when this measurement started.</summary>
    public int TopicsBefore { get; init; }

    /// <summary>The 1-minute load average when this measurement started.</summary>
    public string Load { get; init; } = "?";
}

/// <summary>What the cluster scenario measured (<see cref="ClusterScenario"/>); rendered by <see cref="ClusterReport"/>. Filled as it runs.</summary>
internal sealed class ClusterResult
{
    public required int SessionTimeoutMs { get; init; }
    public required int HeartbeatIntervalMs { get; init; }
    public List<FailoverRound> Failovers { get; } = [];
    public List<FencingRound> Fencings { get; } = [];
    public List<MetadataThroughput> Throughput { get; } = [];
    public string LoadDuringFailover { get; set; } = "?";
    public string LoadDuringFencing { get; set; } = "?";
    public string LoadDuringThroughput { get; set; } = "?";
    public List<string> Notes { get; } = [];
}
