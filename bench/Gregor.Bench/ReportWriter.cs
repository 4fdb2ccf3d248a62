using System.Globalization;
using System.Security;
using System.Text;

namespace Gregor.Bench;

/// <summary>
/// Everything one run measured, and its rendering: the markdown summary (every Gregor number
/// beside its ratio to loopback, disk and Redis; the issue's goals) and the chart (SVG, turned
/// into PNG by rsvg-convert from librsvg2-bin). Filled by the harness, then written once.
/// </summary>
internal sealed class ReportWriter
{
    public required string Command { get; init; }
    public required IReadOnlyList<string> Machine { get; init; }
    public required string LoadAtStart { get; init; }
    public string LoadAtEnd { get; set; } = "?";
    public DateTime StartedUtc { get; } = DateTime.UtcNow;
    public ThroughputResult? Loopback { get; set; }
    public List<ThroughputResult> Disk { get; } = [];
    public List<ThroughputResult> Redis { get; } = [];
    public List<ThroughputResult> Produce { get; } = [];
    public List<ThroughputResult> Consume { get; } = [];
    public List<LatencyResult> Latency { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>The cluster scenario's results (null when it did not run).</summary>
    public ClusterResult? Cluster { get; set; }

    private static string F(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);
    private static string Ratio(double value, ThroughputResult? reference) =>
        reference is null || reference.MegabytesPerSecond <= 0 || value <= 0 ? "n/a" : "×" + F(value / reference.MegabytesPerSecond, value / reference.MegabytesPerSecond < 0.1 ? "F3" : "F2");

    private ThroughputResult? DiskNamed(string prefix) => Disk.FirstOrDefault(d => d.Name.StartsWith(prefix, StringComparison.Ordinal) && d.MegabytesPerSecond > 0);
    private ThroughputResult? RedisNamed(string prefix) => Redis.FirstOrDefault(r => r.Name.StartsWith(prefix, StringComparison.Ordinal) && r.MegabytesPerSecond > 0);

    private static string Usage(BrokerUsage? u) => u is null ? "| n/a | n/a | n/a "
        : $"| {F(u.CpuSeconds, "F2")} s ({F(u.CpuPercent, "F0")}%) | {F(u.PeakRssMiB, "F0")} | {(u.GcPauseMs is { } p ? $"{F(p, "F1")} ms ({u.Gen0}/{u.Gen1}/{u.Gen2})" : "not exposed")} ";

    /// <summary>
    /// The soak's growth verdict row ("measured | status"), read from soak.md in the results
    /// directory when a soak was run there; null otherwise.
    /// </summary>
    public string? SoakVerdict { get; set; }

    /// <summary>Which client produced in the produce scenarios (stated in the report).</summary>
    public string ProducerClient { get; set; } = "Confluent.Kafka 2.16.0 (librdkafka 2.16) from .NET";

    /// <summary>Reads the "no RSS growth" row of <paramref name="directory"/>/soak.md, if any.</summary>
    public static string? ReadSoakVerdict(string directory)
    {
        var file = Path.Combine(directory, "soak.md");
        if (!File.Exists(file))
        {
            return null;
        }
        var lines = File.ReadAllLines(file);
        var row = lines.FirstOrDefault(l => l.StartsWith("| no RSS growth |", StringComparison.Ordinal));
        var duration = lines.FirstOrDefault(l => l.StartsWith("- started:", StringComparison.Ordinal))?.Split("duration", 2) is [_, var d] ? d.Trim() : "?";
        return row is null ? null : $"{duration}, " + row["| no RSS growth |".Length..].Trim();
    }

    /// <summary>The title and the run's command, start, machine and load lines, shared by the benchmark and soak reports.</summary>
    public static void AppendRunHeader(StringBuilder md, string title, string command, string started, IEnumerable<string> machine, string loadAtStart, string loadAtEnd)
    {
        md.AppendLine(title).AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- command: `{command}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- started: {started}");
        foreach (var line in machine)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"- load average (1/5/15 min) at start: {loadAtStart}; at end: {loadAtEnd}");
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        var loopback = Loopback is { MegabytesPerSecond: > 0 } ? Loopback : null;
        var diskWrite = DiskNamed("disk write, page cache");
        var dsync = DiskNamed("disk write, oflag=dsync");
        AppendRunHeader(md, "# Gregor benchmark: latest run", Command, string.Create(CultureInfo.InvariantCulture, $"{StartedUtc:yyyy-MM-dd HH:mm} UTC"), Machine, LoadAtStart, LoadAtEnd);
        md.AppendLine(CultureInfo.InvariantCulture, $"- producer: {ProducerClient}; linger.ms={KafkaScenarios.LingerMs}, batch.size={KafkaScenarios.BatchSizeBytes / 1024} KiB, compression none, idempotence off; MB = 10^6 bytes of record value");
        md.AppendLine();
        md.AppendLine("![throughput and latency](latest.png)").AppendLine();

        md.AppendLine("## Machine limits and peer").AppendLine();
        md.AppendLine("| measurement | records/s | MB/s | ÷ loopback | note |").AppendLine("|---|---:|---:|---:|---|");
        foreach (var r in new[] { Loopback }.OfType<ThroughputResult>().Concat(Disk).Concat(Redis))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {(r.Records > 0 ? F(r.RecordsPerSecond, "N0") : "")} | {F(r.MegabytesPerSecond, "F1")} | {Ratio(r.MegabytesPerSecond, loopback)} | {r.Note} |");
        }
        md.AppendLine();

        md.AppendLine("## Gregor producer throughput").AppendLine();
        md.AppendLine("| scenario | records/s | MB/s | ÷ loopback | ÷ disk (page cache) | ÷ disk (dsync) | ÷ Redis XADD same size | broker CPU | peak RSS MiB | GC pause (gen0/1/2) | client CPU s | errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in Produce)
        {
            var redis = RedisNamed(r.Name.Contains("100 B", StringComparison.Ordinal) ? "Redis XADD 100 B" : "Redis XADD 1 KiB");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {F(r.RecordsPerSecond, "N0")} | {F(r.MegabytesPerSecond, "F1")} | {Ratio(r.MegabytesPerSecond, loopback)} | {Ratio(r.MegabytesPerSecond, diskWrite)} | {Ratio(r.MegabytesPerSecond, dsync)} | {Ratio(r.MegabytesPerSecond, redis)} {Usage(r.Broker)}| {F(r.ClientCpuSeconds, "F2")} | {r.Errors} |");
        }
        md.AppendLine();

        md.AppendLine("## Gregor consumer throughput").AppendLine();
        md.AppendLine("| scenario | records/s | MB/s | ÷ loopback | ÷ disk read (same cache state) | ÷ Redis XREAD 1 KiB | ÷ Redis XREADGROUP+XACK 1 KiB | broker CPU | peak RSS MiB | GC pause (gen0/1/2) | client CPU s | note |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Consume)
        {
            var disk = DiskNamed(r.Name.Contains("cold", StringComparison.Ordinal) ? "disk read, cold" : "disk read, page cache");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {F(r.RecordsPerSecond, "N0")} | {F(r.MegabytesPerSecond, "F1")} | {Ratio(r.MegabytesPerSecond, loopback)} | {Ratio(r.MegabytesPerSecond, disk)} | {Ratio(r.MegabytesPerSecond, RedisNamed("Redis XREAD 1 KiB"))} | {Ratio(r.MegabytesPerSecond, RedisNamed("Redis XREADGROUP+XACK 1 KiB"))} {Usage(r.Broker)}| {F(r.ClientCpuSeconds, "F2")} | {r.Note} |");
        }
        md.AppendLine();

        md.AppendLine("## End-to-end latency (1 KiB, 1 partition, acks=1, linger.ms=0; produce call → consumer receives)").AppendLine();
        md.AppendLine("Each round runs the scenario against Gregor, then against librdkafka's in-process mock cluster with the same clients: the mock has no broker process, so its figures are the client's own floor (librdkafka queues and wake-ups, the .NET consumer loop, scheduling on the shared cores). The mock does not wake a waiting fetch when a record arrives, so its consumer polls with fetch.wait.max.ms=1 (Gregor's: 100, woken on append); its floor is therefore within 1 ms.").AppendLine();
        md.AppendLine("| offered rate | served by | round | offered MB/s (produce calls) | delivered MB/s (consumer) | ÷ loopback (delivered) | samples | p50 ms | p99 ms | p99.9 ms | max ms | broker CPU | peak RSS MiB | GC pause (gen0/1/2) | client CPU s | note |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in Latency.OrderBy(l => l.TargetMBps).ThenBy(l => l.Target, StringComparer.Ordinal).ThenBy(l => l.Round))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Target} | {r.Round} | {F(r.AchievedMBps, "F1")} | {F(r.DeliveredMBps, "F1")} | {Ratio(r.DeliveredMBps, loopback)} | {r.Samples} | {F(r.P50Ms, "F2")} | {F(r.P99Ms, "F2")} | {F(r.P999Ms, "F2")} | {F(r.MaxMs, "F2")} {Usage(r.Broker)}| {F(r.ClientCpuSeconds, "F2")} | {r.Note} |");
        }
        md.AppendLine();
        md.AppendLine("Median over the rounds:").AppendLine();
        md.AppendLine("| offered rate | Gregor p50 / p99 / p99.9 ms | mock p50 / p99 / p99.9 ms | Gregor p99 − mock p99 |");
        md.AppendLine("|---|---|---|---:|");
        foreach (var rate in Latency.Select(l => l.TargetMBps).Distinct().Order())
        {
            var gregor = MedianLatency(rate, "Gregor");
            var mock = MedianLatency(rate, "librdkafka mock");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {F(rate, "F0")} MB/s | {Triple(gregor)} | {Triple(mock)} | {(gregor is { } g && mock is { } m ? F(g.P99 - m.P99, "F2") + " ms" : "n/a")} |");
        }
        md.AppendLine();

        md.AppendLine("## Goals (issue 5)").AppendLine();
        md.AppendLine("| goal | measured | status |").AppendLine("|---|---|---|");
        var best1k = Produce.Where(p => p.Name.Contains("1 KiB", StringComparison.Ordinal) && p.Name.Contains("acks=1", StringComparison.Ordinal)).MaxBy(p => p.MegabytesPerSecond);
        var best100 = Produce.Where(p => p.Name.Contains("100 B", StringComparison.Ordinal) && p.Name.Contains("acks=1", StringComparison.Ordinal)).MaxBy(p => p.RecordsPerSecond);
        var redis1k = RedisNamed("Redis XADD 1 KiB");
        var redis100 = RedisNamed("Redis XADD 100 B");
        Goal(md, "produce 1 KiB acks=1 ≥ 0.5 × loopback", best1k, loopback, 0.5, r => r.MegabytesPerSecond, "MB/s");
        Goal(md, "1 KiB ≥ 10 × Redis Streams MB/s", best1k, redis1k, 10, r => r.MegabytesPerSecond, "MB/s");
        Goal(md, "100 B ≥ 5 × Redis Streams records/s", best100, redis100, 5, r => r.RecordsPerSecond, "records/s");
        var at10 = MedianLatency(10, "Gregor");
        md.AppendLine(at10 is not { } a10 ? "| p99 ≤ 2 ms, p99.9 ≤ 5 ms at 10 MB/s (median of rounds) | not measured | n/a |"
            : $"| p99 ≤ 2 ms, p99.9 ≤ 5 ms at 10 MB/s (median of rounds) | p99 {F(a10.P99, "F2")} ms, p99.9 {F(a10.P999, "F2")} ms | {(a10.P99 <= 2 && a10.P999 <= 5 ? "met" : "NOT met")} |");
        var peak = Produce.Concat(Consume).Select(r => r.Broker?.PeakRssMiB ?? 0).Concat(Latency.Select(l => l.Broker?.PeakRssMiB ?? 0)).DefaultIfEmpty(0).Max();
        md.AppendLine(CultureInfo.InvariantCulture, $"| broker RSS < 200 MiB in every scenario | max peak {F(peak, "F0")} MiB | {(peak < 200 ? "met" : "NOT met")} |");
        md.AppendLine(SoakVerdict is { } soak
            ? $"| no RSS growth over a 10-minute run | from the last soak (soak.md, `--soak`): {soak}"
            : "| no RSS growth over a 10-minute run | not measured by this run (scenarios are seconds long; run `--soak 10m`) | n/a |");
        md.AppendLine();
        if (Cluster is not null)
        {
            md.Append(ClusterReport.Markdown(Cluster));
        }
        if (Notes.Count > 0)
        {
            md.AppendLine("## Notes").AppendLine();
            foreach (var note in Notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }
        return md.ToString();
    }

    private static void Goal(StringBuilder md, string goal, ThroughputResult? gregor, ThroughputResult? reference, double factor, Func<ThroughputResult, double> metric, string unit)
    {
        if (gregor is null || reference is null || metric(reference) <= 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {goal} | not measured | n/a |");
            return;
        }
        var ratio = metric(gregor) / metric(reference);
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| {goal} | {gregor.Name}: {F(metric(gregor), "N1")} {unit} = ×{F(ratio, "F2")} of {reference.Name} ({F(metric(reference), "N1")}) | {(ratio >= factor ? "met" : "NOT met")} |");
    }

    /// <summary>Median p50, p99 and p99.9 over the latency rounds of one target at one rate; null when none ran.</summary>
    private (double P50, double P99, double P999)? MedianLatency(double rate, string target)
    {
        var rounds = Latency.Where(l => l.TargetMBps == rate && l.Target == target && l.Samples > 0).ToList();
        if (rounds.Count == 0)
        {
            return null;
        }
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
        return (Median(rounds.Select(r => r.P50Ms)), Median(rounds.Select(r => r.P99Ms)), Median(rounds.Select(r => r.P999Ms)));
    }

    private static string Triple((double P50, double P99, double P999)? values) =>
        values is { } v ? $"{F(v.P50, "F2")} / {F(v.P99, "F2")} / {F(v.P999, "F2")}" : "n/a";

    /// <summary>Two panels: throughput bars (MB/s, log scale) and latency percentiles (ms, log scale).</summary>
    public string Svg()
    {
        const int Width = 1200, LabelWidth = 440, BarWidth = 640, Row = 22;
        var bars = new List<(string Label, double Value, string Color)>();
        foreach (var r in new[] { Loopback }.OfType<ThroughputResult>().Concat(Disk))
        {
            bars.Add((r.Name, r.MegabytesPerSecond, "#888888"));
        }
        bars.AddRange(Redis.Select(r => (r.Name, r.MegabytesPerSecond, "#c0392b")));
        bars.AddRange(Produce.Select(r => ("Gregor produce " + r.Name, r.MegabytesPerSecond, "#2e86c1")));
        bars.AddRange(Consume.Select(r => ("Gregor " + r.Name, r.MegabytesPerSecond, "#1abc9c")));
        var latencyBars = new List<(string Label, double Value, string Color)>();
        string[] colors = ["#5dade2", "#2874a6", "#1b4f72", "#000000"];
        foreach (var rate in Latency.Select(l => l.TargetMBps).Distinct().Order())
        {
            foreach (var target in new[] { "Gregor", "librdkafka mock" })
            {
                if (MedianLatency(rate, target) is { } median)
                {
                    var label = $"{F(rate, "F0")} MB/s {(target == "Gregor" ? "Gregor" : "mock")}";
                    latencyBars.Add(($"{label} p50", median.P50, colors[0]));
                    latencyBars.Add(($"{label} p99", median.P99, colors[1]));
                    latencyBars.Add(($"{label} p99.9", median.P999, colors[2]));
                }
            }
        }
        var height = 110 + bars.Count * Row + 90 + latencyBars.Count * Row + 20;
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""");
        var y = 30;
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="{y}" font-size="16" font-weight="bold">Throughput, MB/s (log scale): grey machine limits, red Redis Streams, blue Gregor produce, green Gregor consume</text>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="{y + 20}" fill="#555555">{StartedUtc:yyyy-MM-dd HH:mm} UTC, {Escape(Machine.FirstOrDefault() ?? "")}, load average at start {Escape(LoadAtStart)}</text>""");
        y = Panel(svg, bars, y + 50, LabelWidth, BarWidth, Row, 1, "MB/s");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="{y + 40}" font-size="16" font-weight="bold">End-to-end latency, ms (log scale), 1 KiB at a fixed offered rate, median of rounds; mock = librdkafka mock cluster (client floor)</text>""");
        Panel(svg, latencyBars, y + 70, LabelWidth, BarWidth, Row, 0.01, "ms");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static int Panel(StringBuilder svg, List<(string Label, double Value, string Color)> bars, int top, int labelWidth, int barWidth, int row, double floor, string unit)
    {
        var max = bars.Select(b => double.IsNaN(b.Value) ? 0 : b.Value).DefaultIfEmpty(1).Max();
        var lo = Math.Log10(floor);
        var hi = Math.Ceiling(Math.Log10(Math.Max(max, floor * 10)));
        double X(double v) => labelWidth + barWidth * (Math.Log10(Math.Max(v, floor)) - lo) / (hi - lo);
        for (var decade = lo; decade <= hi; decade++)
        {
            var x = X(Math.Pow(10, decade));
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x:F1}" y1="{top - 14}" x2="{x:F1}" y2="{top + bars.Count * row}" stroke="#dddddd"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x:F1}" y="{top - 18}" text-anchor="middle" fill="#555555">{Math.Pow(10, decade).ToString("G", CultureInfo.InvariantCulture)} {unit}</text>""");
        }
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value, color) = bars[i];
            var y = top + i * row;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{labelWidth - 8}" y="{y + 15}" text-anchor="end">{Escape(label)}</text>""");
            if (value > 0 && !double.IsNaN(value))
            {
                var end = X(value);
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{labelWidth}" y="{y + 3}" width="{Math.Max(1, end - labelWidth):F1}" height="{row - 6}" fill="{color}"/>""");
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{end + 5:F1}" y="{y + 15}">{value.ToString(value < 10 ? "F2" : "F0", CultureInfo.InvariantCulture)}</text>""");
            }
            else
            {
                svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{labelWidth + 5}" y="{y + 15}" fill="#999999">not measured</text>""");
            }
        }
        return top + bars.Count * row;
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    /// <summary>Writes latest.md, latest.svg and (when rsvg-convert exists) latest.png; returns a note on the PNG.</summary>
    public async Task<string> WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var svgPath = Path.Combine(directory, "latest.svg");
        await File.WriteAllTextAsync(svgPath, Svg());
        var pngNote = await ConvertToPngAsync(svgPath, Path.Combine(directory, "latest.png"));
        Notes.Add(pngNote);
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.md"), Markdown());
        return pngNote;
    }

    /// <summary>Renders <paramref name="svgPath"/> to <paramref name="pngPath"/> with rsvg-convert; returns a one-line note for the report.</summary>
    public static async Task<string> ConvertToPngAsync(string svgPath, string pngPath)
    {
        if (!Shell.Exists("rsvg-convert"))
        {
            return $"PNG not generated: rsvg-convert missing (apt-get install librsvg2-bin); {Path.GetFileName(svgPath)} has the same chart";
        }
        var run = await Shell.RunAsync("rsvg-convert", ["-o", pngPath, svgPath], TimeSpan.FromMinutes(1));
        return run.ExitCode == 0 ? $"{Path.GetFileName(pngPath)} written by rsvg-convert" : "rsvg-convert failed: " + run.StdErr.Trim();
    }
}
