using System.Globalization;

namespace Gregor.Bench;

/// <summary>
/// The command line of the harness: <c>[--quick] [--duration 10s] [--out DIR] [--skip-build]
/// [--only TEXT] [--soak T [--soak-rate MB/s]]</c>.
/// Immutable; <see cref="Parse"/> throws <see cref="ArgumentException"/> with a one-line reason.
/// </summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/Gregor.Bench -- [options]

          --quick           short scenarios (whole run in about two minutes)
          --duration T      length of each timed scenario (e.g. 10s, 500ms; default 10s, quick 2s)
          --out DIR         results directory (default bench/results)
          --skip-build      use the existing Release build of src/Gregor instead of building it
          --only TEXT       run only the Gregor scenarios whose name contains TEXT (repeatable;
                            skips the machine limits and Redis; for profiling one workload)
          --soak T          run ONLY a soak of length T (e.g. 10m, 45s): 1 KiB records at a fixed
                            rate into 8 partitions with a consumer group reading them, broker RSS
                            sampled every second; writes soak.md/.svg/.png (not latest.*)
          --soak-rate R     offered rate of the soak in MB/s (default 50)
          --memory-limit M  run the broker and the dd baselines in a memory cgroup of M MiB,
                            pre-filled so the page cache recycles pages (default 8192, quick 4096;
                            0: no cgroup; skipped where no memory cgroup can be made)
          --latency-rounds N  repetitions of the latency scenarios, each against Gregor and against
                            librdkafka's in-process mock cluster (default 3, quick 1)
          --metrics-rounds N  pairs of runs (not scraped, scraped; ABBA order) of the "metrics
                            overhead" scenario (default 3, quick 2)
          --cluster-rounds N  kill -9 failovers of the cluster scenario (default 20, quick 5)
          --cluster-topics N  topics per metadata-throughput measurement (default 1000, quick 200)
          --session-timeout-ms MS  broker.session.timeout.ms of the cluster scenario's nodes
                            (default 9000, Kafka's; the fencing time follows it)
          --dotnet-producer produce with Confluent.Kafka from .NET instead of the C producer
                            (bench/loadgen/producer.c, built with cc against librdkafka-dev)
          -h, --help        show this help
        """;

    public bool Quick { get; init; }

    /// <summary>Produce with Confluent.Kafka from .NET rather than the native C producer.</summary>
    public bool DotnetProducer { get; init; }

    /// <summary>MiB of the broker's memory cgroup; null: the default for the mode; 0: none.</summary>
    public int? MemoryLimitMiB { get; init; }

    /// <summary>The memory cgroup size to use (0: none).</summary>
    public int EffectiveMemoryLimitMiB => MemoryLimitMiB ?? (Quick ? 4096 : 8192);
    /// <summary>Repetitions of the latency scenarios; null: the default for the mode.</summary>
    public int? LatencyRounds { get; init; }

    /// <summary>The number of latency rounds to run.</summary>
    public int EffectiveLatencyRounds => LatencyRounds ?? (Quick ? 1 : 3);

    /// <summary>Pairs of (not scraped, scraped) runs of the metrics-overhead scenario; null: the default for the mode.</summary>
    public int? MetricsRounds { get; init; }

    public int EffectiveMetricsRounds => MetricsRounds ?? (Quick ? 2 : 3);

    /// <summary>Failover rounds of the cluster scenario; null: the default for the mode.</summary>
    public int? ClusterRounds { get; init; }

    public int EffectiveFailoverRounds => ClusterRounds ?? (Quick ? 5 : 20);

    public int EffectiveFencingRounds => Quick ? 1 : 3;

    /// <summary>Topics created per metadata-throughput measurement; null: the default for the mode.</summary>
    public int? ClusterTopics { get; init; }

    public int EffectiveClusterTopics => ClusterTopics ?? (Quick ? 200 : 1000);

    /// <summary>broker.session.timeout.ms of the cluster scenario's nodes.</summary>
    public int SessionTimeoutMs { get; init; } = 9000;

    public bool Help { get; init; }
    public bool SkipBuild { get; init; }
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public string? OutputDir { get; init; }

    /// <summary>Length of the soak; null (the default) runs the normal benchmark instead.</summary>
    public TimeSpan? Soak { get; init; }

    /// <summary>Offered rate of the soak, MB/s of 1 KiB record values.</summary>
    public double SoakRateMBps { get; init; } = 50;

    /// <summary>Name fragments selecting Gregor scenarios; empty runs everything, baselines included.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Whether the scenario called <paramref name="name"/> is selected by <see cref="Only"/>.</summary>
    public bool Selects(string name) => Only.Count == 0 || Only.Any(o => name.Contains(o, StringComparison.OrdinalIgnoreCase));

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        TimeSpan? duration = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--quick":
                    options = options with { Quick = true };
                    break;
                case "--skip-build":
                    options = options with { SkipBuild = true };
                    break;
                case "-h" or "--help":
                    options = options with { Help = true };
                    break;
                case "--duration":
                    duration = ParseDuration("--duration", Next());
                    break;
                case "--out":
                    options = options with { OutputDir = Next() };
                    break;
                case "--soak":
                    options = options with { Soak = ParseDuration("--soak", Next()) };
                    break;
                case "--soak-rate":
                    var rateText = Next();
                    if (!double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate <= 0 || rate > 10_000)
                    {
                        throw new ArgumentException($"--soak-rate {rateText}: expected MB/s, e.g. 50");
                    }
                    options = options with { SoakRateMBps = rate };
                    break;
                case "--memory-limit":
                    var limitText = Next();
                    if (!int.TryParse(limitText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) || limit < 0 || (limit > 0 && limit < 256))
                    {
                        throw new ArgumentException($"--memory-limit {limitText}: expected MiB (at least 256), or 0 for none");
                    }
                    options = options with { MemoryLimitMiB = limit };
                    break;
                case "--latency-rounds":
                    var roundsText = Next();
                    if (!int.TryParse(roundsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var rounds) || rounds is < 1 or > 20)
                    {
                        throw new ArgumentException($"--latency-rounds {roundsText}: expected 1 to 20");
                    }
                    options = options with { LatencyRounds = rounds };
                    break;
                case "--metrics-rounds":
                    var metricsRoundsText = Next();
                    if (!int.TryParse(metricsRoundsText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var metricsRounds) || metricsRounds is < 1 or > 20)
                    {
                        throw new ArgumentException($"--metrics-rounds {metricsRoundsText}: expected 1 to 20");
                    }
                    options = options with { MetricsRounds = metricsRounds };
                    break;
                case "--cluster-rounds":
                    options = options with { ClusterRounds = ParseCount("--cluster-rounds", Next(), 1, 200) };
                    break;
                case "--cluster-topics":
                    options = options with { ClusterTopics = ParseCount("--cluster-topics", Next(), 1, 100_000) };
                    break;
                case "--session-timeout-ms":
                    options = options with { SessionTimeoutMs = ParseCount("--session-timeout-ms", Next(), 500, 600_000) };
                    break;
                case "--dotnet-producer":
                    options = options with { DotnetProducer = true };
                    break;
                case "--only":
                    options = options with { Only = [.. options.Only, Next()] };
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        var chosen = duration ?? (options.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(10));
        return options with { Duration = chosen };
    }

    private static int ParseCount(string option, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ArgumentException($"{option} {text}: expected {min} to {max}");

    private static TimeSpan ParseDuration(string option, string text)
    {
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new ArgumentException($"{option} {text}: expected e.g. 10s, 500ms, 1m");
        }
        return TimeSpan.FromSeconds(value * scale);
    }
}
