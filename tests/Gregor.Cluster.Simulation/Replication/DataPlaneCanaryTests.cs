namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// Each deliberately wrong replication variant (issue #12 A) must be caught by the data-plane
/// simulator within 500 seeds: a simulator that cannot catch them proves nothing.
/// </summary>
public sealed class DataPlaneCanaryTests
{
    public static TheoryData<DataPlaneCanary> Canaries =>
    [
        DataPlaneCanary.HighWatermarkIsMax,
        DataPlaneCanary.NoTruncationOnDivergence,
        DataPlaneCanary.AdmitFencedReplica,
        DataPlaneCanary.AckBeforeHighWatermark,
    ];

    [Theory]
    [MemberData(nameof(Canaries))]
    public void Canary_IsFoundWithin500Seeds(DataPlaneCanary canary)
    {
        var (failures, seedsRun, elapsed, _) = DataPlaneSimulationTests.RunSeeds(1, 500, new DataPlaneOptions { Canary = canary }, stopAtFirstFailure: true);
        Assert.True(failures.Count > 0, $"the simulator did not catch {canary} in {seedsRun} seeds");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{canary}: seed={failures[0].Seed} after {seedsRun} seeds ({elapsed.TotalSeconds:F1} s): {failures[0].Violation}");
    }
}
