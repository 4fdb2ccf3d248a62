namespace Gregor.Cluster.Simulation;

/// <summary>
/// The sans-I/O cores reach time, randomness, threads and timers only through what they are
/// given. Add a namespace here when its code becomes a core (e.g. "Gregor.Cluster.Controller").
/// </summary>
public sealed class AmbientEffectTests
{
    public static TheoryData<string> CoreNamespaces => ["Gregor.Cluster.Raft", "Gregor.Cluster.Raft.Messages", "Gregor.Cluster.Replication"];

    [Theory]
    [MemberData(nameof(CoreNamespaces))]
    public void Core_UsesNoClockRandomnessThreadsOrTimersOfItsOwn(string ns)
    {
        var assembly = typeof(Gregor.Cluster.Raft.RaftReplica).Assembly;
        Assert.Contains(assembly.GetTypes(), t => t.Namespace == ns);
        var findings = AmbientEffectScanner.Scan(assembly.Location, [ns]);
        Assert.True(findings.Count == 0, $"{ns} uses ambient effects:\n{string.Join('\n', findings)}");
    }

    [Fact]
    public void Scanner_FindsEachBannedUse()
    {
        var findings = AmbientEffectScanner.Scan(typeof(Samples.BannedApiSamples).Assembly.Location, [typeof(Samples.BannedApiSamples).Namespace!]);
        foreach (var banned in new[]
        {
            "System.DateTime::get_UtcNow", "System.DateTime::get_Now", "System.Diagnostics.Stopwatch::StartNew",
            "System.Environment::get_TickCount64", "System.Random::get_Shared", "System.Random::.ctor",
            "System.Guid::NewGuid", "System.Threading.Tasks.Task::Run", "System.Threading.Thread::.ctor",
            "System.Threading.ThreadPool::QueueUserWorkItem", "System.Threading.Timer::.ctor",
        })
        {
            Assert.Contains(findings, f => f.EndsWith(banned, StringComparison.Ordinal));
        }

        // A seeded Random is allowed.
        Assert.DoesNotContain(findings, f => f.StartsWith("BannedApiSamples.SeededRandom", StringComparison.Ordinal));
    }
}
