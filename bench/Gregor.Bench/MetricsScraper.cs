using System.Diagnostics;
using System.Globalization;

namespace Gregor.Bench;

/// <summary>
/// Scrapes a broker's <c>/metrics</c> every <see cref="Interval"/> while a scenario runs, as a
/// Prometheus server would (for the metrics-overhead scenario). Counts scrapes and bytes; a
/// failed scrape is counted, not thrown. Dispose (after <see cref="StopAsync"/>) to release.
/// <see cref="MeasureCostAsync"/> measures what one scrape costs the broker, without load.
/// </summary>
internal sealed class MetricsScraper : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MetricsScraper(string httpAddress)
    {
        _http.BaseAddress = new Uri($"http://{httpAddress}");
        _loop = LoopAsync();
    }

    public int Scrapes { get; private set; }
    public int Failures { get; private set; }
    public long Bytes { get; private set; }
    public TimeSpan Slowest { get; private set; }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var body = await _http.GetByteArrayAsync(new Uri("/metrics", UriKind.Relative), _stop.Token);
                    Scrapes++;
                    Bytes += body.Length;
                    var took = Stopwatch.GetElapsedTime(started);
                    Slowest = took > Slowest ? took : Slowest;
                }
                catch (HttpRequestException)
                {
                    Failures++;
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// What one scrape costs the broker, measured without other load: <paramref name="count"/>
    /// scrapes back to back over one connection, the broker's CPU time for them (less its idle
    /// CPU over the same time) and the bytes it allocated (the runtime's own
    /// <c>dotnet_gc_heap_total_allocated_bytes_total</c>, read from the first and last scrape).
    /// Throughput on a shared machine swings by more than the goal; this figure does not.
    /// </summary>
    public static async Task<ScrapeCost> MeasureCostAsync(string httpAddress, int brokerPid, int count)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{httpAddress}"), Timeout = TimeSpan.FromSeconds(30) };
        var path = new Uri("/metrics", UriKind.Relative);
        for (var i = 0; i < 20; i++)
        {
            await http.GetStringAsync(path);
        }
        var idleStart = BrokerProcess.CpuSecondsOf(brokerPid);
        var idleWatch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idleCpuPerSecond = (BrokerProcess.CpuSecondsOf(brokerPid) - idleStart) / idleWatch.Elapsed.TotalSeconds;

        var first = await http.GetStringAsync(path);
        var cpuStart = BrokerProcess.CpuSecondsOf(brokerPid);
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        for (var i = 0; i < count; i++)
        {
            bytes += (await http.GetByteArrayAsync(path)).Length;
        }
        var cpu = BrokerProcess.CpuSecondsOf(brokerPid) - cpuStart - idleCpuPerSecond * watch.Elapsed.TotalSeconds;
        var last = await http.GetStringAsync(path);
        // Between the two readings: the count scrapes and the last one itself.
        var allocated = AllocatedBytes(last) - AllocatedBytes(first);
        return new ScrapeCost(count, Math.Max(0, cpu) * 1000 / count, allocated / (count + 1), bytes / count, watch.Elapsed.TotalMilliseconds / count);
    }

    private static double AllocatedBytes(string scrape)
    {
        const string Name = "dotnet_gc_heap_total_allocated_bytes_total";
        foreach (var line in scrape.AsSpan().EnumerateLines())
        {
            if (line.StartsWith(Name, StringComparison.Ordinal) && line.LastIndexOf(' ') is var space and > 0)
            {
                return double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return double.NaN;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _stop.Dispose();
    }
}
