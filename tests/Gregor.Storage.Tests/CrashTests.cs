using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Gregor.Protocol;

namespace Gregor.Storage.Tests;

/// <summary>
/// Real crashes: a child process (Gregor.Storage.CrashChild) appends in group-commit mode and
/// prints every acknowledged batch; the test SIGKILLs it at a random moment, reopens the log and
/// checks every acknowledged batch is present at its offsets, in order, exactly once. Repeated
/// over 20 rounds on the same directory. Seed printed on failure, replay with GREGOR_CRASH_SEED.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private static readonly TopicPartition Tp = new("crash", 0);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task KilledAppender_LosesNoAcknowledgedRecord()
    {
        var seed = Environment.GetEnvironmentVariable("GREGOR_CRASH_SEED") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next();
        var random = new Random(seed);
        var child = Path.Combine(AppContext.BaseDirectory, "Gregor.Storage.CrashChild.dll");
        var dir = _dir.Sub("crash-0");
        var acknowledged = new Dictionary<long, (long First, long Last)>();
        for (var round = 0; round < 20; round++)
        {
            var context = $"seed {seed} (GREGOR_CRASH_SEED), round {round}";
            var lines = new ConcurrentQueue<string>();
            var acks = 0;
            var ready = false;
            using var process = new Process
            {
                StartInfo = new ProcessStartInfo("dotnet")
                {
                    ArgumentList = { child, dir, ((round + 1) * 1_000_000L).ToString(CultureInfo.InvariantCulture) },
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                },
            };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }
                if (e.Data == "ready")
                {
                    Volatile.Write(ref ready, true);
                }
                lines.Enqueue(e.Data);
                if (e.Data.StartsWith("ack ", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref acks);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lines.Enqueue("stderr: " + e.Data);
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            // Kill at a random moment: sometimes during open/recovery, usually mid-append.
            var target = random.Next(4) == 0 ? 0 : random.Next(1, 400);
            var watch = Stopwatch.StartNew();
            var killAfterMs = random.Next(0, 300);
            while (!process.HasExited && watch.ElapsedMilliseconds < 30_000)
            {
                if (target == 0 ? watch.ElapsedMilliseconds >= killAfterMs : Volatile.Read(ref acks) >= target)
                {
                    break;
                }
                await Task.Delay(1, TestContext.Current.CancellationToken);
            }
            Assert.False(process.HasExited, $"{context}: child exited by itself: {string.Join("\n", lines)}");
            process.Kill(); // SIGKILL
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            process.WaitForExit(); // drains the redirected output

            foreach (var line in lines)
            {
                if (!line.StartsWith("ack ", StringComparison.Ordinal))
                {
                    continue;
                }
                var parts = line.Split(' ');
                acknowledged.Add(long.Parse(parts[3], CultureInfo.InvariantCulture),
                    (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture)));
            }
            if (target > 0)
            {
                Assert.True(Volatile.Read(ref ready), $"{context}: child never started");
            }
            Verify(dir, acknowledged, context);
        }
        Assert.True(acknowledged.Count > 100, $"seed {seed}: only {acknowledged.Count} acknowledged appends over all rounds");
    }

    private static void Verify(string dir, Dictionary<long, (long First, long Last)> acknowledged, string context)
    {
        using var log = PartitionLog.Open(dir, Tp, LogConfig.Default with { FlushMode = FlushMode.GroupCommit, SegmentBytes = 16 * 1024 });
        using var read = log.Read(log.LogStartOffset, int.MaxValue, long.MaxValue);
        var bytes = read.ToArray();
        TestBatches.Parse(bytes); // every batch whole, CRC valid
        var records = TestBatches.Records(bytes);
        var offsetsById = new Dictionary<long, List<long>>();
        long previous = -1;
        foreach (var (offset, _, value) in records)
        {
            Assert.True(offset > previous, $"{context}: offsets not increasing at {offset}");
            previous = offset;
            var id = long.Parse(value!, CultureInfo.InvariantCulture);
            if (!offsetsById.TryGetValue(id, out var list))
            {
                offsetsById[id] = list = [];
            }
            list.Add(offset);
        }
        foreach (var (id, (first, last)) in acknowledged)
        {
            Assert.True(offsetsById.TryGetValue(id, out var offsets), $"{context}: acknowledged id {id} at {first}..{last} is missing (log end {log.LogEndOffset})");
            var expected = Enumerable.Range(0, (int)(last - first + 1)).Select(i => first + i);
            Assert.True(expected.SequenceEqual(offsets), $"{context}: id {id} at [{string.Join(",", offsets)}], acknowledged at {first}..{last}");
        }
        Assert.All(offsetsById, kv => Assert.True(kv.Value.Count <= 3, $"{context}: id {kv.Key} appears {kv.Value.Count} times"));
    }
}
