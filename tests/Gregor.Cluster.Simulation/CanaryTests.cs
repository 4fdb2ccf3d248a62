using Gregor.Cluster.Raft;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// Each deliberately broken Raft variant must be caught by the simulator within 500 seeds: a
/// simulator that cannot catch them proves nothing.
/// </summary>
public sealed class CanaryTests
{
    public static TheoryData<string> Canaries => ["VoteWithoutLogCheck", "CommitWithoutMajority", "ReplyBeforeFsync", "LeaderNeverResigns"];

    private static RaftFaults FaultsFor(string canary) => canary switch
    {
        "VoteWithoutLogCheck" => new RaftFaults { VoteWithoutLogCheck = true },
        "CommitWithoutMajority" => new RaftFaults { CommitWithoutMajority = true },
        "ReplyBeforeFsync" => new RaftFaults { ReplyBeforeFsync = true },
        "LeaderNeverResigns" => new RaftFaults { LeaderNeverResigns = true },
        _ => throw new ArgumentOutOfRangeException(nameof(canary)),
    };

    [Theory]
    [MemberData(nameof(Canaries))]
    public void Canary_IsFoundWithin500Seeds(string canary)
    {
        var faults = FaultsFor(canary);
        var options = new SimulationOptions { ConfigureRaft = o => o with { Faults = faults } };
        var (failures, seedsRun, elapsed) = SimulationRunner.RunSeeds(1, 500, options, stopAtFirstFailure: true);
        Assert.True(failures.Count > 0, $"the simulator did not catch {canary} in {seedsRun} seeds");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{canary}: seed={failures[0].Seed} after {seedsRun} seeds ({elapsed.TotalSeconds:F1} s): {failures[0].Violation}");
    }
}
