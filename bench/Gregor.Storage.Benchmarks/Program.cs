using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Gregor.Protocol;
using Gregor.Protocol.Records;
using Gregor.Storage;

// Storage benchmarks with the machine's raw figures measured in the same run.
// Usage: dotnet run -c Release --project bench/Gregor.Storage.Benchmarks -- [--append-mb 512] [--sync-mb 64] [--open-mb 1024] [--dir /tmp] [--memory-limit 2048]
var options = Options.Parse(args);
var root = Path.Combine(options.Directory, "gregor-storage-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
var rows = new List<(string Name, string Value, string Raw, string Ratio, string Goal)>();
// This process and its dd children write through a bounded, pre-filled page cache, so dd and the
// appends both recycle pages instead of one of them paying a lazily backed VM's first-touch cost
// (bench/README.md, "First-touch memory").
Gregor.Bench.MemoryCgroup? cgroup = null;
var cgroupNote = "no memory cgroup (--memory-limit 0)";
if (options.MemoryLimitMb > 0)
{
    cgroup = Gregor.Bench.MemoryCgroup.TryCreate(options.MemoryLimitMb, out var why);
    if (cgroup is null)
    {
        cgroupNote = "no memory cgroup: " + why;
    }
    else
    {
        cgroup.Add(Environment.ProcessId);
        var prefill = Dd(root, options.MemoryLimitMb, dsync: false, keep: "prefill.bin");
        // Its write-back would otherwise run under the measurements (dsync dd fell to 40 MB/s).
        Process.Start("sync")!.WaitForExit();
        cgroupNote = $"{cgroup.Description}, pre-filled at {prefill:F0} MB/s";
    }
}
try
{
    var ddWrite = Dd(root, options.AppendMb, dsync: false);
    var ddSync = Dd(root, options.SyncMb, dsync: true);
    rows.Add(("dd page-cache write, bs=1M", Mbs(ddWrite), "", "", ""));
    rows.Add(("dd oflag=dsync, bs=1M", Mbs(ddSync), "", "", ""));

    var append16K = await Append(root, "a16k", options.AppendMb, 16, FlushMode.PageCache, appenders: 1);
    rows.Add(("append 1 KiB records, 16 KiB batches, no fsync", Mbs(append16K), Mbs(ddWrite), Ratio(append16K, ddWrite), "≥ 0.8"));
    var append1M = await Append(root, "a1m", options.AppendMb, 1024, FlushMode.PageCache, appenders: 1);
    rows.Add(("append 1 KiB records, 1 MiB batches, no fsync", Mbs(append1M), Mbs(ddWrite), Ratio(append1M, ddWrite), "≥ 0.8"));
    var group16K = await Append(root, "g16k", options.SyncMb, 16, FlushMode.GroupCommit, appenders: 64);
    rows.Add(("append 16 KiB batches, group-commit, 64 appenders", Mbs(group16K), Mbs(ddSync), Ratio(group16K, ddSync), "≥ 0.8"));
    var group1M = await Append(root, "g1m", options.SyncMb, 1024, FlushMode.GroupCommit, appenders: 1);
    rows.Add(("append 1 MiB batches, group-commit, 1 appender", Mbs(group1M), Mbs(ddSync), Ratio(group1M, ddSync), "≥ 0.8"));
    var group1M4 = await Append(root, "g1m4", options.SyncMb, 1024, FlushMode.GroupCommit, appenders: 4);
    rows.Add(("append 1 MiB batches, group-commit, 4 appenders", Mbs(group1M4), Mbs(ddSync), Ratio(group1M4, ddSync), "≥ 0.8"));

    var read = SequentialRead(Path.Combine(root, "a16k"));
    rows.Add(("sequential read (page cache), 1 MiB fetches, 16 KiB batches", Mbs(read), "", "", ""));

    // The produce path checksums every received byte once; a copy of the same bytes is the yardstick.
    var (crc, copy) = ChecksumAndCopy();
    rows.Add(("CRC32C of 256 KiB batches (Crc32C.Compute, in memory)", Mbs(crc), Mbs(copy) + " (memcpy)", Ratio(crc, copy), ""));

    var (clean, unclean, bytes) = await OpenTimes(root, options.OpenMb);
    rows.Add(($"open {bytes >> 20} MiB log after clean shutdown", $"{clean.TotalMilliseconds:F0} ms", "", "", ""));
    rows.Add(($"open {bytes >> 20} MiB log after unclean shutdown (full recovery scan)", $"{unclean.TotalMilliseconds:F0} ms", "", "", "< 2 s for 1 GiB"));
}
finally
{
    Directory.Delete(root, recursive: true);
    if (cgroup is not null)
    {
        cgroup.MoveToParent(Environment.ProcessId);
        cgroup.Dispose();
    }
}

Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {DateTime.UtcNow:u}");
Console.WriteLine($"Command: dotnet run -c Release --project bench/Gregor.Storage.Benchmarks -- {string.Join(' ', args)}");
Console.WriteLine($"Page cache: {cgroupNote}");
Console.WriteLine();
Console.WriteLine("| measurement | result | raw (dd) | ratio | goal |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var row in rows)
{
    Console.WriteLine($"| {row.Name} | {row.Value} | {row.Raw} | {row.Ratio} | {row.Goal} |");
}

// MB/s of Crc32C.Compute and of a plain copy over the same warm 256 KiB buffer, one second each.
static (double Crc, double Copy) ChecksumAndCopy()
{
    var data = new byte[256 * 1024];
    var target = new byte[data.Length];
    new Random(1).NextBytes(data);
    uint sink = 0;
    var crc = Rate(() => sink ^= Crc32C.Compute(data));
    var copy = Rate(() => data.AsSpan().CopyTo(target));
    GC.KeepAlive(sink);
    return (crc, copy);

    double Rate(Action once)
    {
        once();
        var watch = Stopwatch.StartNew();
        long bytes = 0;
        while (watch.ElapsedMilliseconds < 1000)
        {
            once();
            bytes += data.Length;
        }
        return bytes / watch.Elapsed.TotalSeconds / 1e6;
    }
}

static string Mbs(double mbPerSecond) => mbPerSecond.ToString("F0", CultureInfo.InvariantCulture) + " MB/s";

static string Ratio(double value, double raw) => (value / raw).ToString("F2", CultureInfo.InvariantCulture);

// dd's own figure, in MB/s (10^6 bytes), from the bytes it copied and the seconds it took.
static double Dd(string root, int megabytes, bool dsync, string? keep = null)
{
    var file = Path.Combine(root, keep ?? "dd.bin");
    var info = new ProcessStartInfo("dd") { RedirectStandardError = true, UseShellExecute = false };
    foreach (var arg in new[] { "if=/dev/zero", $"of={file}", "bs=1M", $"count={megabytes}" })
    {
        info.ArgumentList.Add(arg);
    }
    if (dsync)
    {
        info.ArgumentList.Add("oflag=dsync");
    }
    using var process = Process.Start(info)!;
    var stderr = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (keep is null)
    {
        File.Delete(file);
    }
    // "536870912 bytes (537 MB, 512 MiB) copied, 0.41 s, 1.3 GB/s"
    var line = stderr.Split('\n').First(l => l.Contains("copied", StringComparison.Ordinal));
    var bytes = double.Parse(line.Split(' ')[0], CultureInfo.InvariantCulture);
    var seconds = double.Parse(line.Split(',')[^2].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    return bytes / seconds / 1e6;
}

// Appends `megabytes` of 1 KiB records in batches of `recordsPerBatch`, from `appenders` tasks.
static async Task<double> Append(string root, string name, int megabytes, int recordsPerBatch, FlushMode mode, int appenders)
{
    var config = LogConfig.Default with { FlushMode = mode, MaxMessageBytes = 2 << 20, RetentionMs = -1 };
    using var log = PartitionLog.Open(Path.Combine(root, name), new TopicPartition(name, 0), config);
    var batchBytes = BuildBatch(recordsPerBatch, 1024).Length;
    var batches = (int)((long)megabytes * 1_000_000 / batchBytes);
    var perAppender = batches / appenders;
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, appenders).Select(_ => Task.Run(async () =>
    {
        var batch = BuildBatch(recordsPerBatch, 1024); // reused: the log patches offsets in place
        for (var i = 0; i < perAppender; i++)
        {
            await log.AppendAsLeaderAsync(batch, 0);
        }
    })));
    watch.Stop();
    return (double)perAppender * appenders * batchBytes / watch.Elapsed.TotalSeconds / 1e6;
}

// Reads the whole log front to back in 1 MiB fetches into one pooled buffer.
static double SequentialRead(string directory)
{
    using var log = PartitionLog.Open(directory, new TopicPartition("a16k", 0), LogConfig.Default with { RetentionMs = -1 });
    var buffer = ArrayPool<byte>.Shared.Rent(2 << 20);
    long total = 0;
    var offset = log.LogStartOffset;
    var watch = Stopwatch.StartNew();
    while (offset < log.LogEndOffset)
    {
        using var result = log.Read(offset, 1 << 20, long.MaxValue);
        result.CopyTo(buffer);
        total += result.TotalBytes;
        // The next offset follows the last batch returned.
        var last = buffer.AsSpan(0, result.TotalBytes);
        long next = offset;
        while (last.Length > 0)
        {
            RecordBatchHeader.TryRead(last, out var header);
            next = header.LastOffset + 1;
            last = last[header.TotalSize..];
        }
        offset = next;
    }
    watch.Stop();
    ArrayPool<byte>.Shared.Return(buffer);
    return total / watch.Elapsed.TotalSeconds / 1e6;
}

static async Task<(TimeSpan Clean, TimeSpan Unclean, long Bytes)> OpenTimes(string root, int megabytes)
{
    var directory = Path.Combine(root, "open");
    var tp = new TopicPartition("open", 0);
    var config = LogConfig.Default with { RetentionMs = -1 };
    var log = PartitionLog.Open(directory, tp, config);
    var batch = BuildBatch(16, 1024);
    var count = (long)megabytes * 1024 * 1024 / batch.Length;
    for (var i = 0; i < count; i++)
    {
        await log.AppendAsLeaderAsync(batch, 0);
    }
    var bytes = log.Size;
    log.Close();
    var watch = Stopwatch.StartNew();
    log = PartitionLog.Open(directory, tp, config);
    var clean = watch.Elapsed;
    if (!log.WasCleanShutdown)
    {
        throw new InvalidOperationException("expected a clean open");
    }
    log.CloseUncleanly();
    watch.Restart();
    log = PartitionLog.Open(directory, tp, config); // no marker, no recovery point: validates every batch
    var unclean = watch.Elapsed;
    if (log.WasCleanShutdown || log.Size != bytes)
    {
        throw new InvalidOperationException("expected an unclean open that keeps everything");
    }
    log.Close();
    return (clean, unclean, bytes);
}

static byte[] BuildBatch(int records, int recordBytes)
{
    // Each record: a value of about recordBytes (the record's own framing is a few bytes), no key, no headers.
    var value = new byte[recordBytes - 10];
    Random.Shared.NextBytes(value);
    using var builder = new RecordBatchBuilder();
    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    for (var i = 0; i < records; i++)
    {
        builder.Append(now, null, value);
    }
    return builder.ToArray();
}

internal sealed record Options(int AppendMb, int SyncMb, int OpenMb, string Directory, int MemoryLimitMb)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(512, 64, 1024, Path.GetTempPath(), 2048);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            o = args[i] switch
            {
                "--append-mb" => o with { AppendMb = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--sync-mb" => o with { SyncMb = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--open-mb" => o with { OpenMb = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--dir" => o with { Directory = args[i + 1] },
                "--memory-limit" => o with { MemoryLimitMb = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}
