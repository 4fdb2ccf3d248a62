using System.Diagnostics;

namespace Gregor.Bench;

/// <summary>
/// Scrapes a broker's <c>/metrics</c> every <see cref="Interval"/> while a scenario runs, as a
/// Prometheus server would (for the metrics-overhead scenario). Counts scrapes and bytes; a
/// failed scrape is counted, not thrown. Dispose (after <see cref="StopAsync"/>) to release.
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
