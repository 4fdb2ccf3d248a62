using System.Diagnostics;
using System.Globalization;

namespace Gregor.Bench;

/// <summary>
/// A real <c>gregor serve</c> process on a free port with the bench's GC probe injected as a
/// startup hook. Lifecycle: <see cref="StartAsync"/> (returns after the ready line) →
/// <see cref="Measure"/> per scenario → <see cref="StopAsync"/> (SIGTERM). Not thread-safe; one
/// owner. Reads the broker's cost from /proc/PID/stat (utime+stime), /proc/PID/status
/// (VmHWM, reset per scenario through clear_refs; VmRSS sampled as a fallback) and the probe file.
/// </summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private static readonly double ClockTicksPerSecond = ReadClockTicks();
    private readonly Process _process;
    private readonly string _gcFile;
    private readonly TaskCompletionSource<string> _http;

    private BrokerProcess(Process process, string bootstrap, string gcFile, TaskCompletionSource<string> http)
    {
        _process = process;
        BootstrapServers = bootstrap;
        _gcFile = gcFile;
        _http = http;
    }

    public string BootstrapServers { get; }

    /// <summary>HOST:PORT of the broker's HTTP listener (/metrics), from its log line.</summary>
    public Task<string> HttpAddress => _http.Task;
    public int Pid => _process.Id;

    public static async Task<BrokerProcess> StartAsync(string gregorDll, string dataDir, string probeDll, string gcFile)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { gregorDll, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--override", "gregor.http.listen=127.0.0.1:0" })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_STARTUP_HOOKS"] = probeDll;
        info.Environment["GREGOR_BENCH_GC_FILE"] = gcFile;
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start gregor");
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var http = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            const string HttpPrefix = "http listening on ";
            if (e.Data is { } log && log.IndexOf(HttpPrefix, StringComparison.Ordinal) is var at and >= 0)
            {
                var address = log[(at + HttpPrefix.Length)..];
                http.TrySetResult(address.Split(' ')[0]);
            }
            const string Prefix = "gregor: listening on ";
            if (e.Data is { } line && line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                var rest = line[Prefix.Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                ready.TrySetResult(space < 0 ? rest : rest[..space].TrimEnd(','));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && errors.Count < 50)
            {
                errors.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromMinutes(2)));
        if (first != ready.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            throw new InvalidOperationException("gregor did not print its ready line: " + string.Join(" | ", errors));
        }
        return new BrokerProcess(process, await ready.Task, gcFile, http);
    }

    /// <summary>Starts measuring the broker's cost; dispose the returned meter's result via End.</summary>
    public UsageMeter Measure() => new(this);

    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        await Shell.TerminateAsync(_process.Id);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    /// <summary>
    /// One instantaneous reading for the soak: VmRSS (MiB), utime+stime so far (s) and the probe's
    /// latest GC totals (null until the probe has written its file).
    /// </summary>
    public (double RssMiB, double CpuSeconds, GcTotals? Gc) Snapshot() => Snapshot(out _, out _);

    /// <summary><see cref="Snapshot()"/> plus RssAnon and RssFile (MiB): which kind of memory the RSS is.</summary>
    public (double RssMiB, double CpuSeconds, GcTotals? Gc) Snapshot(out double rssAnonMiB, out double rssFileMiB)
    {
        rssAnonMiB = StatusKib("RssAnon") / 1024;
        rssFileMiB = StatusKib("RssFile") / 1024;
        var rss = StatusKib("VmRSS") / 1024;
        var cpu = CpuSeconds();
        try
        {
            var parts = File.ReadAllText(_gcFile).Split(' ');
            return (rss, cpu, new GcTotals(double.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture),
                long.Parse(parts[4], CultureInfo.InvariantCulture)));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return (rss, cpu, null);
        }
    }

    private double CpuSeconds() => CpuSecondsOf(Pid);

    /// <summary>utime+stime of any process so far, in seconds (from /proc/PID/stat).</summary>
    public static double CpuSecondsOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ": index 0 is state (field 3), so utime (14) is 11, stime (15) is 12.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    }

    private double StatusKib(string key)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                return double.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    private bool ResetPeakRss()
    {
        try
        {
            File.WriteAllText($"/proc/{Pid}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private (double PauseMs, int Gen0, int Gen1, int Gen2)? ReadGc()
    {
        try
        {
            var parts = File.ReadAllText(_gcFile).Split(' ');
            return (double.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static double ReadClockTicks()
    {
        try
        {
            var result = Shell.RunAsync("getconf", ["CLK_TCK"], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            return double.Parse(result.StdOut.Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or System.ComponentModel.Win32Exception)
        {
            return 100;
        }
    }

    /// <summary>
    /// One scenario's measurement window. A sampler thread polls VmRSS every 50 ms in case
    /// clear_refs is not permitted. Owned by the scenario that created it.
    /// </summary>
    internal sealed class UsageMeter
    {
        private readonly BrokerProcess _broker;
        private readonly double _cpuAtStart;
        private readonly (double PauseMs, int Gen0, int Gen1, int Gen2)? _gcAtStart;
        private readonly bool _peakReset;
        private readonly long _startTimestamp = Stopwatch.GetTimestamp();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<double> _sampler;

        public UsageMeter(BrokerProcess broker)
        {
            _broker = broker;
            _gcAtStart = broker.ReadGc();
            _cpuAtStart = broker.CpuSeconds();
            _peakReset = broker.ResetPeakRss();
            _sampler = Task.Run(async () =>
            {
                var max = 0.0;
                while (!_stop.IsCancellationRequested)
                {
                    try
                    {
                        max = Math.Max(max, _broker.StatusKib("VmRSS"));
                    }
                    catch (IOException)
                    {
                        break;
                    }
                    await Task.Delay(50).ConfigureAwait(false);
                }
                return max;
            });
        }

        public async Task<BrokerUsage> EndAsync()
        {
            var wall = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
            var cpu = _broker.CpuSeconds() - _cpuAtStart;
            var hwm = _peakReset ? _broker.StatusKib("VmHWM") : 0;
            await Task.Delay(250); // let the probe write totals that include the scenario's last collections
            _stop.Cancel();
            var sampled = await _sampler;
            var gc = _broker.ReadGc();
            double? pause = gc is { } end && _gcAtStart is { } begin ? end.PauseMs - begin.PauseMs : null;
            return new BrokerUsage(cpu, wall, Math.Max(hwm, sampled) / 1024, pause,
                (gc?.Gen0 ?? 0) - (_gcAtStart?.Gen0 ?? 0), (gc?.Gen1 ?? 0) - (_gcAtStart?.Gen1 ?? 0), (gc?.Gen2 ?? 0) - (_gcAtStart?.Gen2 ?? 0));
        }
    }
}
