using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gregor.Bench;

/// <summary>
/// The machine's own limits measured in the same run: loopback TCP (iperf3), disk write through
/// the page cache and with O_DSYNC, disk read cold and warm (dd), and a description of the
/// machine. Stateless; each method owns its temporary files.
/// </summary>
internal static partial class MachineLimits
{
    public static async Task<ThroughputResult> LoopbackAsync(TimeSpan duration)
    {
        if (!Shell.Exists("iperf3"))
        {
            return new ThroughputResult("loopback TCP (iperf3)", 0, 0, 0) { Note = "iperf3 not installed" };
        }
        var port = Shell.FreePort();
        var server = Shell.RunAsync("iperf3", ["-s", "-1", "-p", port.ToString(CultureInfo.InvariantCulture)], duration + TimeSpan.FromMinutes(1));
        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        for (var attempt = 0; ; attempt++)
        {
            await Task.Delay(300);
            var client = await Shell.RunAsync("iperf3", ["-c", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-t", seconds.ToString(CultureInfo.InvariantCulture), "-J"], duration + TimeSpan.FromMinutes(1));
            if (client.ExitCode == 0)
            {
                await server;
                using var json = JsonDocument.Parse(client.StdOut);
                var received = json.RootElement.GetProperty("end").GetProperty("sum_received");
                var bytes = received.GetProperty("bytes").GetDouble();
                var elapsed = received.GetProperty("seconds").GetDouble();
                return new ThroughputResult("loopback TCP (iperf3, 1 stream)", 0, (long)bytes, elapsed);
            }
            if (attempt == 10)
            {
                return new ThroughputResult("loopback TCP (iperf3)", 0, 0, 0) { Note = "iperf3 failed: " + client.StdErr.Trim() };
            }
        }
    }

    /// <summary>dd write (page cache, then oflag=dsync) and read (cold after drop_caches, then warm).</summary>
    public static async Task<IReadOnlyList<ThroughputResult>> DiskAsync(string directory, int pageCacheMiB, int dsyncMiB, MemoryCgroup? cgroup = null)
    {
        Task<ThroughputResult> DdAsync(string name, string[] args) => MachineLimits.DdAsync(name, args, cgroup);
        var file = Path.Combine(directory, "dd.bin");
        var results = new List<ThroughputResult>
        {
            await DdAsync("disk write, page cache (dd bs=1M)", ["if=/dev/zero", $"of={file}", "bs=1M", $"count={pageCacheMiB}"]),
        };
        var dropped = await Shell.DropCachesAsync();
        results.Add(dropped
            ? await DdAsync("disk read, cold (dd after drop_caches)", [$"if={file}", "of=/dev/null", "bs=1M"])
            : new ThroughputResult("disk read, cold", 0, 0, 0) { Note = "cold not measurable here (drop_caches not permitted)" });
        results.Add(await DdAsync("disk read, page cache (dd)", [$"if={file}", "of=/dev/null", "bs=1M"]));
        File.Delete(file);
        results.Add(await DdAsync("disk write, oflag=dsync bs=1M", ["if=/dev/zero", $"of={file}", "bs=1M", $"count={dsyncMiB}", "oflag=dsync"]));
        File.Delete(file);
        return results;
    }

    /// <summary>
    /// Fills <paramref name="cgroup"/>'s page cache with a file of its size that stays until the
    /// run ends: from then on every write inside the group recycles pages instead of touching
    /// fresh memory (the steady state of a broker whose page cache is full).
    /// </summary>
    public static Task<ThroughputResult> PrefillAsync(string directory, MemoryCgroup cgroup) =>
        DdAsync("page cache pre-fill inside the memory cgroup (dd bs=1M, kept)",
            ["if=/dev/zero", $"of={Path.Combine(directory, "prefill.bin")}", "bs=1M", $"count={cgroup.LimitBytes / 1048576}"], cgroup);

    private static async Task<ThroughputResult> DdAsync(string name, string[] args, MemoryCgroup? cgroup)
    {
        var (file, arguments) = cgroup is null ? ("dd", args) : cgroup.WrapCommand("dd", args);
        var run = await Shell.RunAsync(file, arguments, TimeSpan.FromMinutes(5));
        var match = DdSummary().Match(run.StdErr);
        if (run.ExitCode != 0 || !match.Success)
        {
            return new ThroughputResult(name, 0, 0, 0) { Note = "dd failed: " + run.StdErr.Trim() };
        }
        return new ThroughputResult(name, 0, long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(\d+) bytes .*copied, ([0-9.eE+-]+) s")]
    private static partial Regex DdSummary();

    /// <summary>nproc, memory, kernel, CPU model, runtime and load average, as markdown list lines.</summary>
    public static IReadOnlyList<string> Describe()
    {
        string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "?";
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : "?";
        var memory = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(':', 2)[1].Trim()
            : "?";
        return
        [
            $"CPU: {cpu}, nproc {Environment.ProcessorCount}",
            $"memory: {memory}",
            $"kernel: {Read("/proc/sys/kernel/osrelease")} ({RuntimeInformation.OSDescription})",
            $".NET: {RuntimeInformation.FrameworkDescription}",
        ];
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
