namespace Gregor.Cluster.Simulation;

public sealed class ReplayTests
{
    /// <summary>
    /// Replays one seed with a log of role changes and faults:
    /// <c>GREGOR_SIM_SEED=N dotnet test tests/Gregor.Cluster.Simulation --filter FullyQualifiedName~ReplayTests</c>.
    /// Without GREGOR_SIM_SEED it replays seed 1 (and so checks the logging path works).
    /// </summary>
    [Fact]
    public void ReplaySeed_WithLog()
    {
        var (seed, _) = SimulationRunner.SeedsFromEnvironment(1);
        var lines = new List<string>();
        var cluster = new SimCluster(seed, new SimulationOptions())
        {
            Log = lines.Add,
            LogMessages = Environment.GetEnvironmentVariable("GREGOR_SIM_VERBOSE") == "2",
        };
        var result = cluster.Run();
        var output = TestContext.Current.TestOutputHelper;
        foreach (var line in lines.TakeLast(400))
        {
            output?.WriteLine(line);
        }

        foreach (var line in cluster.DescribeNodes())
        {
            output?.WriteLine(line);
        }

        output?.WriteLine($"seed={seed} hash={result.TraceHash:x16} events={result.Events} committed={result.CommittedEnd} violation={result.Violation}");
        Assert.NotEmpty(lines);
        Assert.True(result.Passed, result.Violation);
    }
}
