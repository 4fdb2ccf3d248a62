using System.Globalization;
using System.Security;
using System.Text;

namespace Gregor.Bench;

/// <summary>
/// Renders a <see cref="SoakResult"/>: soak.md (settings, throughput, lag, RSS figures, the
/// least-squares RSS slope over the second half, GC totals, the verdict against issue 5's memory
/// goal with the rule it uses, and a sample every 10 s) and soak.svg/soak.png (RSS and managed
/// heap over time with the fitted slope and the 200 MiB line; acknowledged and consumed MB/s per
/// second). Never touches latest.*. Built once per run; not thread-safe.
/// </summary>
internal sealed class SoakReport
{
    /// <summary>Second-half slope below which RSS counts as not growing, MiB per minute.</summary>
    public const double MaxSlopeMiBPerMinute = 0.5;

    /// <summary>How far end RSS may exceed the reference (1-minute) RSS and still count as not growing.</summary>
    public const double MaxEndAboveReferenceMiB = 10;

    /// <summary>The issue's steady-state RSS bound.</summary>
    public const double RssGoalMiB = 200;

    private const double MiB = 1024.0 * 1024.0;
    private readonly SoakResult _result;

    public SoakReport(SoakResult result)
    {
        _result = result;
        var samples = result.Samples;
        if (samples.Count == 0)
        {
            throw new InvalidOperationException("the soak took no samples");
        }
        var half = result.Duration.TotalSeconds / 2;
        ReferenceSeconds = Math.Min(60, half);
        Reference = samples.MinBy(s => Math.Abs(s.Seconds - ReferenceSeconds))!;
        End = samples[^1];
        Max = samples.MaxBy(s => s.RssMiB)!;
        SecondHalf = [.. samples.Where(s => s.Seconds >= half)];
        (SlopeMiBPerMinute, InterceptMiB) = LeastSquares(SecondHalf);
        SteadyMaxMiB = SecondHalf.Select(s => s.RssMiB).DefaultIfEmpty(double.NaN).Max();
    }

    public required string Command { get; init; }
    public required IReadOnlyList<string> Machine { get; init; }
    public required string LoadAtStart { get; init; }
    public string LoadAtEnd { get; set; } = "?";
    public DateTime StartedUtc { get; init; } = DateTime.UtcNow;

    public double ReferenceSeconds { get; }
    public SoakSample Reference { get; }
    public SoakSample End { get; }
    public SoakSample Max { get; }
    public IReadOnlyList<SoakSample> SecondHalf { get; }

    /// <summary>Least-squares slope of RSS over the second half, MiB per minute (NaN with fewer than two samples).</summary>
    public double SlopeMiBPerMinute { get; }
    private double InterceptMiB { get; }
    public double SteadyMaxMiB { get; }

    public bool MeetsRssBound => SteadyMaxMiB < RssGoalMiB;
    public bool NoGrowth => SlopeMiBPerMinute < MaxSlopeMiBPerMinute && End.RssMiB <= Reference.RssMiB + MaxEndAboveReferenceMiB;

    // RSS = intercept + slope × minutes, fitted to the samples given.
    private static (double Slope, double Intercept) LeastSquares(IReadOnlyList<SoakSample> samples) => LeastSquares(samples, s => s.RssMiB);

    private static double Slope(IReadOnlyList<SoakSample> samples, Func<SoakSample, double> value) => LeastSquares(samples, value).Slope;

    private static (double Slope, double Intercept) LeastSquares(IReadOnlyList<SoakSample> samples, Func<SoakSample, double> value)
    {
        if (samples.Count < 2)
        {
            return (double.NaN, double.NaN);
        }
        var meanT = samples.Average(s => s.Seconds / 60);
        var meanY = samples.Average(value);
        var sxy = samples.Sum(s => (s.Seconds / 60 - meanT) * (value(s) - meanY));
        var sxx = samples.Sum(s => (s.Seconds / 60 - meanT) * (s.Seconds / 60 - meanT));
        var slope = sxx > 0 ? sxy / sxx : double.NaN;
        return (slope, meanY - slope * meanT);
    }

    private static string F(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Time(double seconds) => seconds >= 120 ? $"{seconds / 60:F1} min" : $"{seconds:F0} s";

    public string Markdown()
    {
        var r = _result;
        var seconds = r.Duration.TotalSeconds;
        var first = r.Samples[0];
        var md = new StringBuilder();
        ReportWriter.AppendRunHeader(md, "# Gregor soak: broker memory under steady load", Command,
            string.Create(CultureInfo.InvariantCulture, $"{StartedUtc:yyyy-MM-dd HH:mm} UTC; duration {Time(seconds)}"), Machine, LoadAtStart, LoadAtEnd);
        md.AppendLine(CultureInfo.InvariantCulture, $"- workload: a fresh broker; topic `{SoakRun.Topic}` with {SoakRun.Partitions} partitions; {SoakRun.RecordSize} B records offered at {F(r.RateMBps, "F0")} MB/s (paced every ms, round-robin over partitions), acks=1, linger.ms={KafkaScenarios.LingerMs}, batch.size={KafkaScenarios.BatchSizeBytes / 1024} KiB, compression none; one consumer in group `{SoakRun.GroupId}` (subscribe, enable.auto.commit=true, auto.commit.interval.ms={SoakRun.AutoCommitIntervalMs}, auto.offset.reset=earliest) in the same process");
        md.AppendLine("- sampled every second: broker VmRSS (/proc/PID/status), CPU (utime+stime), and GC totals and managed heap (GC.GetTotalMemory) read inside the broker by the harness's startup-hook probe; MB = 10^6 bytes of record value, MiB = 2^20 bytes");
        md.AppendLine().AppendLine("![RSS over time](soak.png)").AppendLine();

        md.AppendLine("## Verdict (issue 5: \"broker RSS < 200 MiB at steady state, no growth over a 10-minute run\")").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Rule: steady state is the second half of the run ({Time(seconds / 2)} – {Time(seconds)}). \"RSS < 200 MiB\" is met when the largest RSS sample of the second half is below {RssGoalMiB:F0} MiB. \"No growth\" is claimed only when BOTH the least-squares slope of RSS over the second half is below {MaxSlopeMiBPerMinute.ToString(CultureInfo.InvariantCulture)} MiB/min AND the RSS at the end is at most the reference RSS + {MaxEndAboveReferenceMiB:F0} MiB, the reference being the sample nearest to 1 min (nearest to half the run when the run is shorter than 2 min; here {Time(Reference.Seconds)}).");
        md.AppendLine();
        md.AppendLine("| goal | measured | status |").AppendLine("|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RSS < {RssGoalMiB:F0} MiB at steady state | max RSS over the second half {F(SteadyMaxMiB, "F1")} MiB | {(MeetsRssBound ? "met" : "NOT met")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| no RSS growth | second-half slope {F(SlopeMiBPerMinute, "F2")} MiB/min; end {F(End.RssMiB, "F1")} MiB vs {F(Reference.RssMiB, "F1")} MiB at {Time(Reference.Seconds)} ({F(End.RssMiB - Reference.RssMiB, "+0.0;-0.0")} MiB) | {(NoGrowth ? "no growth" : "GROWTH")} |");
        if (seconds < 600)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"This run lasted {Time(seconds)}: the goal asks for 10 minutes, so this verdict is about this run only (run `--soak 10m`).");
        }
        md.AppendLine();

        md.AppendLine("## Results").AppendLine();
        md.AppendLine("| measure | value |").AppendLine("|---|---:|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| offered (produce calls accepted by the client) | {F(r.Sent * (double)SoakRun.RecordSize / r.ProduceSeconds / 1e6, "F1")} MB/s ({r.Sent:N0} records in {r.ProduceSeconds:F1} s) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| acknowledged by the broker during the run | {F(r.AckedAtEnd * (double)SoakRun.RecordSize / r.ProduceSeconds / 1e6, "F1")} MB/s ({r.AckedAtEnd:N0} records) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| delivered to the group consumer during the run | {F(r.ConsumedBytesAtEnd / r.ProduceSeconds / 1e6, "F1")} MB/s ({r.ConsumedAtEnd:N0} records) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| consumer lag at the end of the run (acknowledged − consumed) | {r.AckedAtEnd - r.ConsumedAtEnd:N0} records |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| after the drain ({r.DrainSeconds:F1} s, flush + wait ≤ 30 s): acknowledged / consumed / lag | {r.AckedAfterDrain:N0} / {r.ConsumedAfterDrain:N0} / {r.AckedAfterDrain - r.ConsumedAfterDrain:N0} records |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| committed offsets behind the log end just before the consumer closed (auto-commit every {SoakRun.AutoCommitIntervalMs / 1000} s) | {(r.CommittedLag is { } lag ? $"{lag:N0} records" : "not read")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| broker data directory after the drain (apparent size) | {r.DataBytesAfterDrain / MiB:N0} MiB |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| group join: partitions assigned / after | {r.AssignedPartitions} / {(r.JoinedAfterSeconds is { } joined ? $"{joined:F1} s" : "never")} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| produce errors / consume errors | {r.ProduceErrors:N0} / {r.ConsumeErrors:N0} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RSS at {Time(Reference.Seconds)} (reference) | {F(Reference.RssMiB, "F1")} MiB |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RSS at the end ({Time(End.Seconds)}) | {F(End.RssMiB, "F1")} MiB |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RSS max (at {Time(Max.Seconds)}) | {F(Max.RssMiB, "F1")} MiB |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RSS slope over the second half (least squares, {SecondHalf.Count} samples) | {F(SlopeMiBPerMinute, "F2")} MiB/min |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| of which private (RssAnon) at the reference / end; second-half slope | {F(Reference.RssAnonMiB, "F1")} / {F(End.RssAnonMiB, "F1")} MiB; {F(Slope(SecondHalf, x => x.RssAnonMiB), "F2")} MiB/min |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| of which mapped files (RssFile: assemblies, mmapped indexes) at the reference / end; second-half slope | {F(Reference.RssFileMiB, "F1")} / {F(End.RssFileMiB, "F1")} MiB; {F(Slope(SecondHalf, x => x.RssFileMiB), "F2")} MiB/min |");
        var heaps = r.Samples.Where(s => s.Gc is not null).Select(s => s.Gc!.HeapBytes / MiB).ToList();
        md.AppendLine(CultureInfo.InvariantCulture, $"| managed heap (GC.GetTotalMemory) at the end / max | {(End.Gc is { } endGc && heaps.Count > 0 ? $"{endGc.HeapBytes / MiB:F1} / {heaps.Max():F1} MiB" : "not exposed")} |");
        if (first.Gc is { } g0 && End.Gc is { } g1)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| GC collections during the run, gen0/gen1/gen2 | {g1.Gen0 - g0.Gen0}/{g1.Gen1 - g0.Gen1}/{g1.Gen2 - g0.Gen2} |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| GC pause total during the run | {g1.PauseMs - g0.PauseMs:F1} ms |");
        }
        else
        {
            md.AppendLine("| GC collections / pause | not exposed (probe file not read) |");
        }
        var cpu = End.CpuSeconds - first.CpuSeconds;
        var wall = End.Seconds - first.Seconds;
        md.AppendLine(CultureInfo.InvariantCulture, $"| broker CPU during the run | {cpu:F1} s ({(wall > 0 ? 100 * cpu / wall : 0):F0} % of one core) |");
        md.AppendLine();

        md.AppendLine("## Samples (every 10 s, and the last)").AppendLine();
        md.AppendLine("| t s | RSS MiB | RssAnon MiB | RssFile MiB | heap MiB | gen0/1/2 | GC pause ms | broker CPU s | acknowledged | consumed | lag |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var step = Math.Max(10, (int)Math.Ceiling(seconds / 60 / 10) * 10); // at most ~60 rows
        foreach (var s in r.Samples.Where((s, i) => i % step == 0 || i == r.Samples.Count - 1))
        {
            var gc = s.Gc;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Seconds:F0} | {s.RssMiB:F1} | {s.RssAnonMiB:F1} | {s.RssFileMiB:F1} | {(gc is null ? "?" : F(gc.HeapBytes / MiB, "F1"))} | {(gc is null ? "?" : $"{gc.Gen0}/{gc.Gen1}/{gc.Gen2}")} | {(gc is null ? "?" : F(gc.PauseMs, "F1"))} | {s.CpuSeconds:F1} | {s.Acked:N0} | {s.Consumed:N0} | {s.Acked - s.Consumed:N0} |");
        }
        md.AppendLine();
        var notes = r.Notes.Append("GC counts, pause and heap in the samples are totals since the broker started; the Results table gives the differences over the run.")
            .Append("The producer and the consumer run in the harness process on the same cores as the broker.");
        md.AppendLine("## Notes").AppendLine();
        foreach (var note in notes)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }
        return md.ToString();
    }

    /// <summary>Two line charts: RSS/heap (MiB) with the fit and the goal line; acknowledged/consumed MB/s per second.</summary>
    public string Svg()
    {
        const int Width = 1200, Left = 80, PlotWidth = 1000, PlotHeight = 300;
        var r = _result;
        var xMax = Math.Max(r.Duration.TotalSeconds, r.Samples[^1].Seconds);
        var svg = new StringBuilder();
        var height = 90 + PlotHeight + 90 + PlotHeight + 40;
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="{Width}" height="{height}" fill="white"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="25" font-size="16" font-weight="bold">Gregor soak: broker RSS over {Escape(Time(r.Duration.TotalSeconds))}, {SoakRun.RecordSize} B records offered at {F(r.RateMBps, "F0")} MB/s, {SoakRun.Partitions} partitions, group consumer</text>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="45" fill="#555555">{StartedUtc:yyyy-MM-dd HH:mm} UTC, {Escape(Machine.FirstOrDefault() ?? "")}, load average at start {Escape(LoadAtStart)}</text>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="63" fill="#555555">blue broker VmRSS, green managed heap (GC.GetTotalMemory), red dashed least-squares fit over the second half ({F(SlopeMiBPerMinute, "F2")} MiB/min), grey dashed {RssGoalMiB:F0} MiB goal</text>""");

        var rss = r.Samples.Select(s => (s.Seconds, s.RssMiB)).ToList();
        var heap = r.Samples.Where(s => s.Gc is not null).Select(s => (s.Seconds, s.Gc!.HeapBytes / MiB)).ToList();
        var half = r.Duration.TotalSeconds / 2;
        var fit = double.IsNaN(SlopeMiBPerMinute) ? [] : new List<(double, double)> { (half, InterceptMiB + SlopeMiBPerMinute * half / 60), (r.Samples[^1].Seconds, InterceptMiB + SlopeMiBPerMinute * r.Samples[^1].Seconds / 60) };
        var yMax = NiceCeiling(Math.Max(RssGoalMiB * 1.1, Max.RssMiB * 1.1));
        var top = 90;
        Axes(svg, Left, top, PlotWidth, PlotHeight, xMax, yMax, "MiB");
        HorizontalLine(svg, Left, top, PlotWidth, PlotHeight, yMax, RssGoalMiB, "#999999");
        Line(svg, Left, top, PlotWidth, PlotHeight, xMax, yMax, heap, "#27ae60", dashed: false);
        Line(svg, Left, top, PlotWidth, PlotHeight, xMax, yMax, rss, "#2e86c1", dashed: false);
        Line(svg, Left, top, PlotWidth, PlotHeight, xMax, yMax, fit, "#c0392b", dashed: true);

        var acked = new List<(double, double)>();
        var consumed = new List<(double, double)>();
        for (var i = 1; i < r.Samples.Count; i++)
        {
            var (a, b) = (r.Samples[i - 1], r.Samples[i]);
            var dt = b.Seconds - a.Seconds;
            if (dt > 0)
            {
                acked.Add((b.Seconds, (b.Acked - a.Acked) * (double)SoakRun.RecordSize / dt / 1e6));
                consumed.Add((b.Seconds, (b.Consumed - a.Consumed) * (double)SoakRun.RecordSize / dt / 1e6));
            }
        }
        top += PlotHeight + 90;
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="10" y="{top - 30}" font-size="16" font-weight="bold">Throughput per second, MB/s: blue acknowledged by the broker, orange consumed by the group consumer (the gap is lag)</text>""");
        var tMax = NiceCeiling(Math.Max(1, acked.Concat(consumed).Select(p => p.Item2).DefaultIfEmpty(1).Max() * 1.1));
        Axes(svg, Left, top, PlotWidth, PlotHeight, xMax, tMax, "MB/s");
        Line(svg, Left, top, PlotWidth, PlotHeight, xMax, tMax, acked, "#2e86c1", dashed: false);
        Line(svg, Left, top, PlotWidth, PlotHeight, xMax, tMax, consumed, "#e67e22", dashed: false);
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    // 1, 2 or 5 × a power of ten, at least value.
    private static double NiceCeiling(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var m in new[] { 1.0, 2.0, 2.5, 5.0, 10.0 })
        {
            if (m * power >= value)
            {
                return m * power;
            }
        }
        return 10 * power;
    }

    private static void Axes(StringBuilder svg, int left, int top, int width, int height, double xMax, double yMax, string unit)
    {
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" stroke="#333333"/>""");
        for (var i = 0; i <= 5; i++)
        {
            var value = yMax * i / 5;
            var y = top + height - height * i / 5.0;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{left}" y1="{y:F1}" x2="{left + width}" y2="{y:F1}" stroke="#eeeeee"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{left - 6}" y="{y + 4:F1}" text-anchor="end" fill="#555555">{value.ToString("G4", CultureInfo.InvariantCulture)} {unit}</text>""");
        }
        var step = xMax <= 120 ? 10.0 : xMax <= 900 ? 60.0 : 300.0;
        for (var t = 0.0; t <= xMax + 1e-9; t += step)
        {
            var x = left + width * t / xMax;
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x:F1}" y1="{top}" x2="{x:F1}" y2="{top + height}" stroke="#eeeeee"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x:F1}" y="{top + height + 16}" text-anchor="middle" fill="#555555">{(step >= 60 ? $"{t / 60:F0} min" : $"{t:F0} s")}</text>""");
        }
    }

    private static void HorizontalLine(StringBuilder svg, int left, int top, int width, int height, double yMax, double value, string color)
    {
        var y = top + height - height * value / yMax;
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{left}" y1="{y:F1}" x2="{left + width}" y2="{y:F1}" stroke="{color}" stroke-dasharray="6,4"/>""");
    }

    private static void Line(StringBuilder svg, int left, int top, int width, int height, double xMax, double yMax, IReadOnlyList<(double X, double Y)> points, string color, bool dashed)
    {
        if (points.Count == 0)
        {
            return;
        }
        var path = string.Join(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{left + width * p.X / xMax:F1},{top + height - height * Math.Clamp(p.Y, 0, yMax) / yMax:F1}")));
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<polyline points="{path}" fill="none" stroke="{color}" stroke-width="{(dashed ? 2 : 1.5).ToString(CultureInfo.InvariantCulture)}"{(dashed ? " stroke-dasharray=\"8,5\"" : "")}/>""");
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    /// <summary>Writes soak.md, soak.svg and (when rsvg-convert exists) soak.png; returns a note on the PNG.</summary>
    public async Task<string> WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var svgPath = Path.Combine(directory, "soak.svg");
        await File.WriteAllTextAsync(svgPath, Svg());
        var pngNote = await ReportWriter.ConvertToPngAsync(svgPath, Path.Combine(directory, "soak.png"));
        _result.Notes.Add(pngNote);
        await File.WriteAllTextAsync(Path.Combine(directory, "soak.md"), Markdown());
        return pngNote;
    }
}
