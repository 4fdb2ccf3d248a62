using System.Globalization;
using System.Text;

namespace Gregor.Cluster.Simulation;

public sealed class RaftSimulationTests
{
    private static readonly SimulationOptions ThreeVoters = new();

    [Fact]
    public void Seeds_KeepSafetyAndLiveness()
    {
        var (first, count) = SimulationRunner.SeedsFromEnvironment();
        var (failures, seedsRun, elapsed) = SimulationRunner.RunSeeds(first, count, ThreeVoters);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{seedsRun} seeds from {first} in {elapsed.TotalSeconds:F1} s ({seedsRun / elapsed.TotalSeconds:F1} seeds/s), {failures.Count} failed"));
        if (failures.Count > 0)
        {
            var message = new StringBuilder();
            message.Append(CultureInfo.InvariantCulture, $"{failures.Count} of {seedsRun} seeds failed:\n");
            foreach (var failure in failures.Take(5))
            {
                message.Append(CultureInfo.InvariantCulture, $"seed={failure.Seed}: {failure.Violation}\n  replay: ")
                    .Append(SimulationRunner.ReplayCommand(failure.Seed, nameof(RaftSimulationTests) + "." + nameof(Seeds_KeepSafetyAndLiveness)))
                    .Append('\n');
            }

            Assert.Fail(message.ToString());
        }
    }

    [Fact]
    public void FiveVoters_KeepSafetyAndLiveness()
    {
        var (failures, seedsRun, _) = SimulationRunner.RunSeeds(1, 100, ThreeVoters with { Voters = 5 });
        Assert.True(failures.Count == 0, failures.Count == 0 ? "" :
            $"seed={failures[0].Seed}: {failures[0].Violation} (of {seedsRun} seeds with five voters)");
    }

    [Fact]
    public void SameSeedTwice_GivesTheSameTraceHash()
    {
        for (long seed = 1; seed <= 5; seed++)
        {
            var first = SimulationRunner.RunSeed(seed, ThreeVoters);
            var second = SimulationRunner.RunSeed(seed, ThreeVoters);
            Assert.Equal(first.TraceHash, second.TraceHash);
            Assert.Equal(first.Events, second.Events);
        }

        Assert.NotEqual(SimulationRunner.RunSeed(1, ThreeVoters).TraceHash, SimulationRunner.RunSeed(2, ThreeVoters).TraceHash);
    }

    [Fact]
    public void ASeed_ElectsLeadersCommitsAndSnapshots()
    {
        // The invariants are only worth something if the runs do real work: elections after
        // faults, many commits, snapshots and messages.
        var results = Enumerable.Range(1, 20).Select(seed => SimulationRunner.RunSeed(seed, ThreeVoters)).ToList();
        Assert.All(results, r => Assert.True(r.Passed, r.Violation));
        Assert.True(results.Average(r => r.CommittedEnd) > 150, $"average committed end {results.Average(r => r.CommittedEnd)}");
        Assert.True(results.Average(r => r.HighestEpoch) > 2, $"average highest epoch {results.Average(r => r.HighestEpoch)}");
        Assert.True(results.Sum(r => r.Truncations) > 0, "no divergent log was ever truncated");
        Assert.True(results.Sum(r => r.SnapshotDownloads) > 0, "no follower ever installed a snapshot from the leader");
    }
}
