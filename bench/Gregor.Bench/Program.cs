using System.Diagnostics;
using Confluent.Kafka;
using Gregor.Bench;

// One command: build the Release broker, measure the machine's limits and Redis Streams, then
// start a fresh broker on a free port and run every Gregor scenario; write bench/results/latest.*.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + BenchOptions.Usage);
    return 1;
}
if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var root = FindRepositoryRoot();
var outputDir = Path.GetFullPath(options.OutputDir ?? Path.Combine(root, "bench", "results"));
var report = new ReportWriter
{
    Command = "dotnet run -c Release --project bench/Gregor.Bench --" + string.Concat(args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $" \"{a}\"" : " " + a)),
    Machine = MachineLimits.Describe(),
    LoadAtStart = MachineLimits.LoadAverage(),
};
Log($"load average at start: {report.LoadAtStart}; scenario duration {options.Duration.TotalSeconds:F1} s{(options.Quick ? " (quick)" : "")}");

if (!options.SkipBuild)
{
    Log("building src/Gregor (Release)...");
    var build = await Shell.RunAsync("dotnet", ["build", Path.Combine(root, "src", "Gregor", "Gregor.csproj"), "-c", "Release", "-nologo", "-v", "q"], TimeSpan.FromMinutes(15), root);
    if (build.ExitCode != 0)
    {
        await Console.Error.WriteLineAsync("building gregor failed:" + Environment.NewLine + build.StdOut + build.StdErr);
        return 1;
    }
}
var gregorDll = Path.Combine(root, "src", "Gregor", "bin", "Release", "net10.0", "gregor.dll");
if (!File.Exists(gregorDll))
{
    await Console.Error.WriteLineAsync($"{gregorDll} not found; run without --skip-build");
    return 1;
}
var probeDll = typeof(BenchOptions).Assembly.Location;
if (options.Soak is { } soakDuration)
{
    return await RunSoakAsync(soakDuration);
}
var total = Stopwatch.StartNew();
var work = Directory.CreateTempSubdirectory("gregor-bench-");
// The broker and the dd baselines write through a bounded, pre-filled page cache (see MemoryCgroup).
MemoryCgroup? cgroup = null;
if (options.EffectiveMemoryLimitMiB > 0)
{
    cgroup = MemoryCgroup.TryCreate(options.EffectiveMemoryLimitMiB, out var why);
    report.Notes.Add(cgroup is null
        ? $"No memory cgroup ({why}): the broker and dd wrote into fresh memory, whose first-touch cost on a lazily backed VM can dominate (bench/README.md, \"First-touch memory\")."
        : $"The broker and the dd baselines ran in a {cgroup.LimitBytes / 1048576} MiB memory cgroup whose page cache was pre-filled first, so writes recycle page-cache pages as on a broker whose page cache is full, instead of paying this VM's first-touch cost for fresh memory (bench/README.md, \"First-touch memory\"). Redis and the load generator ran outside it.");
    if (cgroup is not null)
    {
        var prefill = await MachineLimits.PrefillAsync(work.FullName, cgroup);
        Log(Line(prefill));
        // Its write-back would otherwise run under the first measurements.
        await Shell.RunAsync("sync", [], TimeSpan.FromMinutes(5));
    }
}
try
{
    // Machine limits (skipped with --only: a profiling run wants one workload, not the baselines).
    if (options.Only.Count == 0)
    {
        report.Loopback = await MachineLimits.LoopbackAsync(options.Duration);
        Log(Line(report.Loopback));
        // The page-cache write is as large as a produce scenario writes: on a VM whose host backs
        // guest memory lazily, a small dd reuses recently freed, already backed pages and runs
        // ~10x faster than writing GBs of new data does (bench/README.md, "First-touch memory").
        report.Disk.AddRange(await MachineLimits.DiskAsync(work.FullName, options.Quick ? 2048 : 4096, options.Quick ? 32 : 128, cgroup));
        report.Disk.ForEach(d => Log(Line(d)));
    }

    // Peer: Redis Streams with AOF everysec.
    var redisDir = Directory.CreateDirectory(Path.Combine(work.FullName, "redis"));
    await using (var redis = options.Only.Count == 0 ? await RedisPeer.StartAsync(redisDir.FullName) : null)
    {
        if (redis is null && options.Only.Count == 0)
        {
            report.Notes.Add("Redis not measured: redis-server / redis-benchmark not installed");
        }
        else if (redis is not null)
        {
            foreach (var (size, count) in new[] { (1024, options.Quick ? 100_000 : 500_000), (100, options.Quick ? 300_000 : 2_000_000) })
            {
                var key = $"s{size}";
                if (await Attempt($"Redis XADD {size} B", () => redis.XaddAsync(key, size, count)) is { } add)
                {
                    report.Redis.Add(add);
                    Log(Line(add));
                }
                if (await Attempt($"Redis XREAD {size} B", () => redis.XreadAsync(key, size)) is { } read)
                {
                    report.Redis.Add(read);
                    Log(Line(read));
                }
                if (await Attempt($"Redis XREADGROUP+XACK {size} B", () => redis.XreadGroupAsync(key, size)) is { } groupRead)
                {
                    report.Redis.Add(groupRead);
                    Log(Line(groupRead));
                }
            }
        }
    }

    // Gregor.
    var dataDir = Path.Combine(work.FullName, "gregor-data");
    var gcFile = Path.Combine(work.FullName, "gc.txt");
    if (!options.DotnetProducer)
    {
        var (native, why) = await NativeProducer.BuildAsync(root, work.FullName);
        KafkaScenarios.Native = native;
        report.ProducerClient = native is null
            ? $"Confluent.Kafka 2.16.0 (librdkafka 2.16) from .NET; the C producer was not built: {why}"
            : $"bench/loadgen/producer.c, librdkafka {native.LibrdkafkaVersion} (Debian librdkafka-dev) from C";
    }
    var broker = await BrokerProcess.StartAsync(gregorDll, dataDir, probeDll, gcFile);
    cgroup?.Add(broker.Pid);
    Log($"gregor pid {broker.Pid} listening on {broker.BootstrapServers}");
    try
    {
        var maxRecords = options.Quick ? 3_000_000L : 50_000_000L;
        // In a memory cgroup a warm read needs the topic still cached: a scenario writes at most
        // 60 % of the cgroup (the scenario then ends on the record cap, not the duration).
        var maxBytes = cgroup is null ? long.MaxValue : cgroup.LimitBytes * 6 / 10;
        // Warm-up (not reported): JIT tiering and first-segment allocation happen here, not in the first scenario.
        await KafkaScenarios.ProduceAsync(broker, "warm-up", "warm-up", 8, 1024, Acks.Leader, TimeSpan.FromSeconds(1), maxRecords);
        var produced = new Dictionary<string, long>();
        foreach (var size in new[] { 100, 1024 })
        {
            foreach (var acks in new[] { Acks.Leader, Acks.All })
            {
                foreach (var partitions in new[] { 1, 8 })
                {
                    var topic = $"produce-{size}-{(acks == Acks.Leader ? "acks1" : "acksall")}-p{partitions}";
                    var name = $"{RedisPeer.SizeLabel(size)}, acks={(acks == Acks.Leader ? "1" : "all")}, {partitions} partition{(partitions > 1 ? "s" : "")}";
                    // A selected consume scenario reads a topic a produce scenario writes: produce it, unreported.
                    var feedsConsume = size == 1024 && acks == Acks.Leader
                        && (options.Selects(ConsumeName(partitions, warm: true)) || (partitions == 1 && options.Selects(ConsumeName(1, warm: false))));
                    if (!options.Selects(name) && !feedsConsume)
                    {
                        continue;
                    }
                    var result = await Attempt(name, () => KafkaScenarios.ProduceAsync(broker, name, topic, partitions, size, acks, options.Duration, Math.Min(maxRecords, maxBytes / size)));
                    if (result is not null)
                    {
                        produced[topic] = result.Records + 1; // + the warm-up record
                        if (options.Selects(name))
                        {
                            report.Produce.Add(result);
                            Log(Line(result));
                        }
                    }
                    // The warm read right after the write: the page cache still holds the topic.
                    var warmName = ConsumeName(partitions, warm: true);
                    if (size == 1024 && acks == Acks.Leader && options.Selects(warmName) && produced.TryGetValue(topic, out var count)
                        && await Attempt(warmName, () => KafkaScenarios.ConsumeAsync(broker, warmName, topic, partitions, count)) is { } warm)
                    {
                        report.Consume.Add(warm);
                        Log(Line(warm));
                    }
                }
            }
        }

        // Latency is noisy run to run (scheduling on two shared cores), so it is measured in
        // rounds, each against Gregor and then against librdkafka's in-process mock cluster: the
        // same clients with no broker process, i.e. the client's own floor.
        var latencyDuration = options.Quick ? TimeSpan.FromSeconds(Math.Max(2, options.Duration.TotalSeconds)) : options.Duration;
        for (var round = 1; round <= options.EffectiveLatencyRounds; round++)
        {
            foreach (var rate in new[] { 10.0, 100.0 })
            {
                var scenario = $"latency at {rate:F0} MB/s";
                if (!options.Selects(scenario))
                {
                    continue;
                }
                var topic = $"latency-{rate:F0}-{round}";
                var rateName = $"{rate:F0} MB/s";
                var latency = await Attempt(scenario, async () =>
                {
                    await KafkaScenarios.CreateTopicAsync(broker.BootstrapServers, topic, 1);
                    return await KafkaScenarios.LatencyAsync(broker.BootstrapServers, broker, rateName, topic, rate, latencyDuration);
                });
                var floor = await Attempt(scenario + " (librdkafka mock cluster)", () => MockLatencyAsync(rateName, topic, rate, latencyDuration));
                foreach (var result in new[] { latency is null ? null : latency with { Target = "Gregor", Round = round }, floor is null ? null : floor with { Target = "librdkafka mock", Round = round } })
                {
                    if (result is null)
                    {
                        continue;
                    }
                    report.Latency.Add(result);
                    Log($"latency round {round} at {result.Name}, {result.Target}: offered {result.AchievedMBps:F1} MB/s, delivered {result.DeliveredMBps:F1} MB/s, p50 {result.P50Ms:F2} ms, p99 {result.P99Ms:F2} ms, p99.9 {result.P999Ms:F2} ms, max {result.MaxMs:F2} ms ({result.Samples} samples) {result.Note}");
                }
            }
        }

        // Metrics overhead (issue 14: goal < 3 %): the same produce with /metrics scraped every
        // second and not, alternating in rounds so drift of a shared machine hits both alike.
        const string MetricsScenario = "metrics overhead";
        if (options.Selects(MetricsScenario) && options.Only.Count > 0)
        {
            var httpAddress = await broker.HttpAddress.WaitAsync(TimeSpan.FromSeconds(30));
            var rounds = options.EffectiveMetricsRounds;
            // Warm both paths first, unmeasured: the first scrapes JIT-compile the exporter and
            // create its metric points (hundreds of ms of CPU on a loaded machine), and the first
            // produce warms the broker's; either would otherwise land in round 1 only.
            var warmCost = await Attempt("metrics scrape warm-up", () => MetricsScraper.MeasureCostAsync(httpAddress, broker.Pid, 200));
            await using (var warmScraper = new MetricsScraper(httpAddress))
            {
                await Attempt("metrics overhead warm-up produce", () => KafkaScenarios.ProduceAsync(broker, "warm-up", "metrics-warm-up", 8, 1024, Acks.Leader, options.Duration / 2, Math.Min(maxRecords, maxBytes / 1024)));
            }
            if (warmCost is not null)
            {
                Log($"metrics scrape cost before the rounds (cold, 1 topic of 8 partitions): {warmCost}");
            }
            var plain = new List<ThroughputResult>();
            var scraped = new List<ThroughputResult>();
            for (var round = 1; round <= rounds; round++)
            {
                // ABBA order: whichever runs second in a round meets a fuller disk and page cache.
                foreach (var scrape in round % 2 == 1 ? new[] { false, true } : new[] { true, false })
                {
                    var name = $"1 KiB, acks=1, 8 partitions, {(scrape ? "/metrics scraped every 1 s" : "metrics not scraped")} (round {round})";
                    var topic = $"metrics-{(scrape ? "scraped" : "plain")}-{round}";
                    MetricsScraper? scraper = scrape ? new MetricsScraper(httpAddress) : null;
                    var result = await Attempt(name, () => KafkaScenarios.ProduceAsync(broker, name, topic, 8, 1024, Acks.Leader, options.Duration, Math.Min(maxRecords, maxBytes / 1024)));
                    if (scraper is not null)
                    {
                        await scraper.DisposeAsync();
                    }
                    if (result is null)
                    {
                        continue;
                    }
                    result = scraper is null ? result : result with { Note = $"{scraper.Scrapes} scrapes ({scraper.Bytes / Math.Max(1, scraper.Scrapes) / 1024} KiB each, slowest {scraper.Slowest.TotalMilliseconds:F0} ms, {scraper.Failures} failed)" };
                    (scrape ? scraped : plain).Add(result);
                    report.Produce.Add(result);
                    Log(Line(result));
                }
            }
            if (plain.Count > 0 && scraped.Count > 0)
            {
                // Throughput on a shared machine swings more than 3 % run to run; broker CPU per GB
                // produced is the steadier figure of what scraping costs.
                static double CpuPerGb(List<ThroughputResult> results) =>
                    results.Sum(r => r.Broker?.CpuSeconds ?? 0) / Math.Max(1e-9, results.Sum(r => r.Bytes) / 1e9);
                var plainMBps = plain.Average(r => r.MegabytesPerSecond);
                var scrapedMBps = scraped.Average(r => r.MegabytesPerSecond);
                var change = (scrapedMBps - plainMBps) / plainMBps * 100;
                // Each round's pair ran back to back: the median of the pairs' differences is not
                // moved by one round in which the machine's other load came or went.
                var pairs = plain.Zip(scraped, (a, b) => (b.MegabytesPerSecond - a.MegabytesPerSecond) / a.MegabytesPerSecond * 100).Order().ToList();
                var median = pairs.Count % 2 == 1 ? pairs[pairs.Count / 2] : (pairs[pairs.Count / 2 - 1] + pairs[pairs.Count / 2]) / 2;
                var loadAverage = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                var verdict = $"metrics overhead: produce 1 KiB acks=1 8 partitions averaged {plainMBps:F1} MB/s not scraped and {scrapedMBps:F1} MB/s with /metrics scraped every second over {rounds} alternating rounds ({change:+0.0;-0.0} % throughput with scraping, median of the rounds' pairs {median:+0.0;-0.0} %; goal: no more than 3 % less); broker CPU {CpuPerGb(plain):F2} s/GB not scraped, {CpuPerGb(scraped):F2} s/GB scraped; load average {loadAverage} at the end.";
                report.Notes.Add(verdict);
                Log(verdict);
            }
            // What a scrape costs, measured apart from the noisy throughput: at one scrape a second
            // it is this many ms of one core per second.
            var cost = await Attempt("metrics scrape cost", () => MetricsScraper.MeasureCostAsync(httpAddress, broker.Pid, 200));
            if (cost is not null)
            {
                var note = $"metrics scrape cost (no load, {rounds * 2 + 1} topics of 8 partitions): {cost}; at one scrape a second that is {cost.CpuMsPerScrape / 10:F2} % of one core.";
                report.Notes.Add(note);
                Log(note);
            }
        }

        // Cold page cache: restart the broker on the same data dir after dropping caches.
        var coldName = ConsumeName(1, warm: false);
        var dropped = false;
        if (options.Selects(coldName))
        {
            await broker.StopAsync();
            await broker.DisposeAsync();
            dropped = await Shell.DropCachesAsync();
            broker = await BrokerProcess.StartAsync(gregorDll, dataDir, probeDll, gcFile);
            cgroup?.Add(broker.Pid);
        }
        if (dropped)
        {
            if (produced.TryGetValue("produce-1024-acks1-p1", out var count)
                && await Attempt(coldName, () => KafkaScenarios.ConsumeAsync(broker, coldName, "produce-1024-acks1-p1", 1, count)) is { } cold)
            {
                report.Consume.Add(cold);
                Log(Line(cold));
            }
        }
        else if (options.Selects(coldName))
        {
            report.Notes.Add("consumer from a cold page cache: cold not measurable here (writing /proc/sys/vm/drop_caches not permitted)");
        }
    }
    finally
    {
        await broker.DisposeAsync();
    }

    // Cluster (issue #11): three real processes, after the single broker is gone (ClusterScenario).
    var clusterParts = (Throughput: options.Selects(ClusterScenario.ThroughputName), Failover: options.Selects(ClusterScenario.FailoverName), Fencing: options.Selects(ClusterScenario.FencingName));
    if (clusterParts.Throughput || clusterParts.Failover || clusterParts.Fencing)
    {
        var clusterScenario = new ClusterScenario(gregorDll, Directory.CreateDirectory(Path.Combine(work.FullName, "cluster")).FullName, Log);
        report.Cluster = await clusterScenario.RunAsync(clusterParts.Throughput, clusterParts.Failover, clusterParts.Fencing,
            options.EffectiveClusterTopics, options.EffectiveFailoverRounds, options.EffectiveFencingRounds, options.SessionTimeoutMs);
    }
}
finally
{
    try
    {
        work.Delete(recursive: true);
    }
    catch (IOException)
    {
    }
    cgroup?.Dispose();
}

report.LoadAtEnd = MachineLimits.LoadAverage();
if (double.TryParse(report.LoadAtStart.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var load) && load > Environment.ProcessorCount)
{
    report.Notes.Add($"The machine was loaded (1-minute load average {load:F1} on {Environment.ProcessorCount} cores): every figure, the baselines included, shared the CPUs with other work. Compare ratios within this run, not absolute numbers across runs.");
}
report.Notes.Add("GC pause totals come from GC.GetTotalPauseDuration() inside the broker, read by a startup hook the harness injects (DOTNET_STARTUP_HOOKS); the broker itself is unchanged.");
report.Notes.Add("Peak RSS: VmHWM after resetting it per scenario through /proc/PID/clear_refs, and VmRSS sampled every 50 ms (the larger is shown). Broker CPU: utime+stime deltas from /proc/PID/stat; % is of one core over the scenario's wall time.");
report.Notes.Add($"Produce scenarios: {report.ProducerClient}, a separate process; consume and latency scenarios: Confluent.Kafka 2.16.0 in the harness process. All on the same cores as the broker; the client's CPU is the 'client CPU s' column.");
report.Notes.Add($"measuring took {total.Elapsed.TotalSeconds:F0} s (after building src/Gregor; the harness's own build by `dotnet run` not counted).");
report.SoakVerdict = ReportWriter.ReadSoakVerdict(outputDir);
var png = await report.WriteAsync(outputDir);
Log(png);
Log($"results: {Path.Combine(outputDir, "latest.md")}");
Console.WriteLine();
Console.WriteLine(report.Markdown());
return 0;

// --soak T: only the soak, on its own fresh broker; writes soak.md/.svg/.png, never latest.*.
async Task<int> RunSoakAsync(TimeSpan soakDuration)
{
    var soakWork = Directory.CreateTempSubdirectory("gregor-soak-");
    try
    {
        // Nothing is deleted during the soak (no retention at these sizes): refuse to fill the disk.
        var needed = (long)(options.SoakRateMBps * 1e6 * soakDuration.TotalSeconds * 1.2);
        if (SoakRun.FreeBytes(soakWork.FullName) is { } free && free < needed)
        {
            await Console.Error.WriteLineAsync($"soak needs about {needed / 1e9:F1} GB free under {soakWork.FullName} ({options.SoakRateMBps:F0} MB/s for {soakDuration.TotalSeconds:F0} s, +20 %); {free / 1e9:F1} GB free");
            return 1;
        }
        var startedUtc = DateTime.UtcNow;
        var loadAtStart = MachineLimits.LoadAverage();
        var soakData = Path.Combine(soakWork.FullName, "gregor-data");
        SoakResult result;
        await using (var soakBroker = await BrokerProcess.StartAsync(gregorDll, soakData, probeDll, Path.Combine(soakWork.FullName, "gc.txt")))
        {
            Log($"soak: gregor pid {soakBroker.Pid} listening on {soakBroker.BootstrapServers}; {soakDuration.TotalSeconds:F0} s at {options.SoakRateMBps:F0} MB/s");
            try
            {
                result = await SoakRun.RunAsync(soakBroker, soakData, soakDuration, options.SoakRateMBps, Log);
            }
            catch (Exception e) when (e is KafkaException or InvalidOperationException or TimeoutException or IOException)
            {
                await Console.Error.WriteLineAsync($"soak failed: {e.GetType().Name}: {e.Message}");
                return 1;
            }
        }
        var soakReport = new SoakReport(result)
        {
            Command = report.Command,
            Machine = report.Machine,
            LoadAtStart = loadAtStart,
            LoadAtEnd = MachineLimits.LoadAverage(),
            StartedUtc = startedUtc,
        };
        Log(await soakReport.WriteAsync(outputDir));
        Log($"results: {Path.Combine(outputDir, "soak.md")}");
        Console.WriteLine();
        Console.WriteLine(soakReport.Markdown());
        return 0;
    }
    finally
    {
        try
        {
            soakWork.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

// A failed scenario becomes a note in the report; the run goes on with the next one.
static async Task<LatencyResult> MockLatencyAsync(string name, string topic, double rate, TimeSpan duration)
{
    using var mock = LibrdkafkaMockCluster.Start(topic);
    // The mock answers a fetch that finds no data only when its max wait expires (it does not
    // wake the fetch on produce), so with Gregor's 100 ms the mock would measure its own wait.
    // Polling every 1 ms makes it a floor within 1 ms.
    return await KafkaScenarios.LatencyAsync(mock.BootstrapServers, null, name, topic, rate, duration, fetchWaitMaxMs: 1);
}

async Task<T?> Attempt<T>(string scenario, Func<Task<T>> run) where T : class
{
    try
    {
        return await run();
    }
    catch (Exception e) when (e is KafkaException or InvalidOperationException or InvalidDataException or TimeoutException or IOException)
    {
        report.Notes.Add($"{scenario}: failed ({e.GetType().Name}: {e.Message})");
        Log($"{scenario}: FAILED {e.Message}");
        return null;
    }
}

static string ConsumeName(int partitions, bool warm) =>
    $"consume 1 KiB, {partitions} partition{(partitions > 1 ? "s" : "")}, {(warm ? "warm page cache" : "cold cache (restart, drop_caches)")}";

static void Log(string message) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

static string Line(ThroughputResult r) =>
    $"{r.Name}: {(r.Records > 0 ? $"{r.RecordsPerSecond:N0} records/s, " : "")}{r.MegabytesPerSecond:F1} MB/s" +
    (r.Broker is { } u ? $", broker CPU {u.CpuSeconds:F2} s, peak RSS {u.PeakRssMiB:F0} MiB, GC pause {(u.GcPauseMs is { } p ? $"{p:F1} ms ({u.Gen0}/{u.Gen1}/{u.Gen2})" : "not exposed")}" : "") +
    (r.Errors > 0 ? $", {r.Errors} errors" : "") + (r.Note.Length > 0 ? $" ({r.Note})" : "");

static string FindRepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gregor.slnx")))
            {
                return dir.FullName;
            }
        }
    }
    throw new InvalidOperationException("run from inside the Gregor repository (Gregor.slnx not found)");
}
