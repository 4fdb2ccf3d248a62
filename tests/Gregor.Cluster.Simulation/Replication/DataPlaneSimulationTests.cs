using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Gregor.Cluster.Simulation.Replication;

public sealed class DataPlaneSimulationTests
{
    /// <summary>Seeds per CI run (GREGOR_SIM_SEEDS overrides, GREGOR_SIM_SEED replays one).</summary>
    public const int DefaultSeeds = 2_000;

    public static (IReadOnlyList<SimulationResult> Failures, int SeedsRun, TimeSpan Elapsed, long Acknowledged) RunSeeds(
        long first, int count, DataPlaneOptions options, bool stopAtFirstFailure = false)
    {
        var failures = new ConcurrentBag<SimulationResult>();
        var run = 0;
        var acknowledged = 0L;
        var stopwatch = Stopwatch.StartNew();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, state) =>
        {
            var result = new DataPlaneSimulation(first + i, options).Run();
            Interlocked.Increment(ref run);
            Interlocked.Add(ref acknowledged, result.CommittedEnd);
            if (!result.Passed)
            {
                failures.Add(result);
                if (stopAtFirstFailure)
                {
                    state.Stop();
                }
            }
        });
        return ([.. failures.OrderBy(f => f.Seed)], run, stopwatch.Elapsed, acknowledged);
    }

    [Fact]
    public void Seeds_LoseNoAcknowledgedRecord()
    {
        var (first, count) = SimulationRunner.SeedsFromEnvironment(DefaultSeeds);
        var (failures, seedsRun, elapsed, acknowledged) = RunSeeds(first, count, new DataPlaneOptions());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{seedsRun} seeds from {first} in {elapsed.TotalSeconds:F1} s ({seedsRun / elapsed.TotalSeconds:F1} seeds/s), {acknowledged} records acknowledged, {failures.Count} failed"));
        if (failures.Count > 0)
        {
            var message = new StringBuilder();
            message.Append(CultureInfo.InvariantCulture, $"{failures.Count} of {seedsRun} seeds failed:\n");
            foreach (var failure in failures.Take(5))
            {
                message.Append(CultureInfo.InvariantCulture, $"seed={failure.Seed}: {failure.Violation}\n  replay: ")
                    .Append(SimulationRunner.ReplayCommand(failure.Seed, nameof(DataPlaneSimulationTests) + "." + nameof(ReplaySeed_WithLog)))
                    .Append('\n');
            }
            Assert.Fail(message.ToString());
        }
    }

    /// <summary>
    /// Replays one seed with a log of faults, elections, leadership and acknowledgements:
    /// <c>GREGOR_SIM_SEED=N dotnet test tests/Gregor.Cluster.Simulation --filter FullyQualifiedName~DataPlaneSimulationTests.ReplaySeed_WithLog</c>.
    /// </summary>
    [Fact]
    public void ReplaySeed_WithLog()
    {
        var (seed, _) = SimulationRunner.SeedsFromEnvironment(1);
        var lines = new List<string>();
        var simulation = new DataPlaneSimulation(seed) { Log = lines.Add };
        var result = simulation.Run();
        var output = TestContext.Current.TestOutputHelper;
        foreach (var line in lines.TakeLast(400))
        {
            output?.WriteLine(line);
        }
        output?.WriteLine($"seed={seed} mode={simulation.CrashMode} brokers={simulation.Hosts.Count} hash={result.TraceHash:x16} events={result.Events} acknowledged={result.CommittedEnd} violation={result.Violation}");
        Assert.NotEmpty(lines);
        Assert.True(result.Passed, result.Violation);
    }

    [Fact]
    public void SameSeedTwice_GivesTheSameTraceHash()
    {
        for (long seed = 1; seed <= 5; seed++)
        {
            var first = new DataPlaneSimulation(seed).Run();
            var second = new DataPlaneSimulation(seed).Run();
            Assert.Equal(first.TraceHash, second.TraceHash);
            Assert.Equal(first.Events, second.Events);
        }
        Assert.NotEqual(new DataPlaneSimulation(1).Run().TraceHash, new DataPlaneSimulation(2).Run().TraceHash);
    }

    [Fact]
    public void Seeds_DoRealWork_FailoversTruncationsAndAcknowledgements()
    {
        var simulations = Enumerable.Range(1, 30).Select(seed => new DataPlaneSimulation(seed)).ToList();
        var results = simulations.Select(s => s.Run()).ToList();
        Assert.All(results, r => Assert.True(r.Passed, $"seed={r.Seed}: {r.Violation}"));
        Assert.True(results.Average(r => r.CommittedEnd) > 100, $"average acknowledged records {results.Average(r => r.CommittedEnd)}");
        Assert.True(simulations.Average(s => s.Stats.Elections) > 4, $"average elections {simulations.Average(s => s.Stats.Elections)}");
        Assert.True(simulations.Sum(s => s.Stats.Truncations) > 0, "no follower ever truncated a divergent log");
        Assert.True(simulations.Average(s => s.Stats.Consumed) > 50, $"average consumed records {simulations.Average(s => s.Stats.Consumed)}");
        Assert.True(simulations.Sum(s => s.Stats.MachineCrashes) > 0, "no machine crash");
        Assert.Contains(simulations, s => s.CrashMode == CrashMode.FlushEveryMessage);
    }
}
