using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// Runs seeds: one at a time or many in parallel. Each seed is a separate single-threaded
/// <see cref="SimCluster"/>, so running seeds side by side does not change any seed's trace.
/// Seeds come from the environment: <c>GREGOR_SIM_SEED</c> (run exactly that one),
/// <c>GREGOR_SIM_SEEDS</c> (how many, from <c>GREGOR_SIM_FIRST_SEED</c>, default 1).
/// </summary>
public static class SimulationRunner
{
    public const int DefaultSeedCount = 2_000;

    public static SimulationResult RunSeed(long seed, SimulationOptions options) => new SimCluster(seed, options).Run();

    /// <summary>The seeds this run covers, from the environment (or <paramref name="defaultCount"/> seeds from 1).</summary>
    public static (long First, int Count) SeedsFromEnvironment(int defaultCount = DefaultSeedCount)
    {
        if (long.TryParse(Environment.GetEnvironmentVariable("GREGOR_SIM_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var single))
        {
            return (single, 1);
        }

        var count = int.TryParse(Environment.GetEnvironmentVariable("GREGOR_SIM_SEEDS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && c > 0
            ? c
            : defaultCount;
        var first = long.TryParse(Environment.GetEnvironmentVariable("GREGOR_SIM_FIRST_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var f)
            ? f
            : 1;
        return (first, count);
    }

    /// <summary>
    /// Runs <paramref name="count"/> seeds from <paramref name="first"/> on every core; with
    /// <paramref name="stopAtFirstFailure"/> it stops starting new seeds once one fails.
    /// Returns the failures (ordered by seed), the number of seeds run and the elapsed time.
    /// </summary>
    public static (IReadOnlyList<SimulationResult> Failures, int SeedsRun, TimeSpan Elapsed) RunSeeds(
        long first, int count, SimulationOptions options, bool stopAtFirstFailure = false)
    {
        var failures = new ConcurrentBag<SimulationResult>();
        var run = 0;
        var stopwatch = Stopwatch.StartNew();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, (i, state) =>
        {
            var result = RunSeed(first + i, options);
            Interlocked.Increment(ref run);
            if (!result.Passed)
            {
                failures.Add(result);
                if (stopAtFirstFailure)
                {
                    state.Stop();
                }
            }
        });
        return ([.. failures.OrderBy(f => f.Seed)], run, stopwatch.Elapsed);
    }

    /// <summary>The one-line command that replays <paramref name="seed"/> under the test named <paramref name="testName"/>.</summary>
    public static string ReplayCommand(long seed, string testName) =>
        $"GREGOR_SIM_SEED={seed} dotnet test tests/Gregor.Cluster.Simulation --filter \"FullyQualifiedName~{testName}\"";
}
