using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Gregor.Cluster.Controller.Core;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Simulation;

public sealed class ControllerSimulationTests
{
    /// <summary>Seeds per CI run of the controller simulation (GREGOR_SIM_SEEDS overrides, GREGOR_SIM_SEED replays one).</summary>
    public const int DefaultSeeds = 300;

    [Fact]
    public void Seeds_KeepImagesConsistentAndTheClusterLive()
    {
        var (first, count) = SimulationRunner.SeedsFromEnvironment(DefaultSeeds);
        var failures = new ConcurrentBag<(long Seed, string Violation)>();
        var successes = 0L;
        var checks = 0L;
        var written = 0L;
        var loaded = 0L;
        var downloads = 0L;
        var isrChanges = 0L;
        var isrAdditions = 0L;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var simulation = new ControllerSimulation(first + i);
            if (simulation.Run() is { } violation)
            {
                failures.Add((first + i, violation));
            }
            Interlocked.Add(ref successes, simulation.AdminSucceeded);
            Interlocked.Add(ref checks, simulation.ImageChecks);
            Interlocked.Add(ref written, simulation.Snapshots.Written);
            Interlocked.Add(ref loaded, simulation.Snapshots.LoadedByLoaders + simulation.Snapshots.LoadedByControllers);
            Interlocked.Add(ref downloads, simulation.SnapshotDownloads);
            Interlocked.Add(ref isrChanges, simulation.Replication.Changes);
            Interlocked.Add(ref isrAdditions, simulation.Replication.IsrAdditions);
        });
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} seeds from {first}: {successes} admin operations succeeded, {checks} image replays checked, " +
            $"{written} metadata snapshots written, {loaded} loaded, {downloads} downloaded, " +
            $"{isrChanges} partition changes ({isrAdditions} ISR additions) checked; {failures.Count} failed"));
        if (!failures.IsEmpty)
        {
            var message = new StringBuilder();
            foreach (var (seed, violation) in failures.OrderBy(f => f.Seed).Take(5))
            {
                message.Append(CultureInfo.InvariantCulture, $"seed={seed}: {violation}\n  replay: ")
                    .Append(SimulationRunner.ReplayCommand(seed, nameof(ControllerSimulationTests) + "." + nameof(Seeds_KeepImagesConsistentAndTheClusterLive)))
                    .Append('\n');
            }
            Assert.Fail($"{failures.Count} of {count} seeds failed:\n{message}");
        }
        Assert.True(successes > count, $"only {successes} admin operations succeeded over {count} seeds: the workload proves little");
        Assert.True(checks > count * 10L, $"only {checks} image replays were checked");
        Assert.True(written >= count, $"only {written} metadata snapshots were written over {count} seeds");
        Assert.True(isrChanges > count, $"only {isrChanges} partition changes were checked");
        Assert.True(isrAdditions > count / 2, $"only {isrAdditions} ISR additions were checked");
    }

    [Fact]
    public void ASeed_WritesLoadsAndDownloadsMetadataSnapshots_AndTheImagesStayConsistent()
    {
        var simulation = new ControllerSimulation(SnapshotSeed);

        Assert.Null(simulation.Run());

        var stats = simulation.Snapshots;
        var summary = $"written {stats.Written}, loaded by loaders {stats.LoadedByLoaders}, by controllers {stats.LoadedByControllers} " +
            $"(active {stats.LoadedByActiveControllers}), FetchSnapshot downloads {simulation.SnapshotDownloads}";
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {SnapshotSeed}: {summary}");
        Assert.True(stats.Written > 0, summary);
        Assert.True(stats.LoadedByLoaders > 0, summary);
        Assert.True(stats.LoadedByControllers > 0, summary);
        Assert.True(simulation.SnapshotDownloads > 0, summary);
        // The log really was cleaned below a snapshot somewhere, so images were rebuilt from snapshot + log.
        Assert.Contains(simulation.Cluster.Nodes, n => n.Log.LogStartOffset > 0);
        Assert.True(simulation.AdminSucceededAfterHeal > 0);
    }

    [Fact]
    public void Canary_ASnapshotThatLosesATopic_IsFound()
    {
        var (failures, seedsRun) = RunUntilFirstFailure(CanarySeeds, seed => new ControllerSimulation(seed, corruptSnapshot: WithoutLastTopic));

        Assert.True(failures > 0, $"a metadata snapshot that drops a topic went unnoticed over {seedsRun} seeds");
    }

    /// <summary>A fixed seed whose run writes, loads and downloads metadata snapshots.</summary>
    private const long SnapshotSeed = 1;

    private const int CanarySeeds = 100;

    private static (int Failures, int SeedsRun) RunUntilFirstFailure(int seeds, Func<long, ControllerSimulation> create)
    {
        for (var seed = 1; seed <= seeds; seed++)
        {
            if (create(seed).Run() is { } violation)
            {
                TestContext.Current.TestOutputHelper?.WriteLine($"seed={seed}: {violation}");
                return (1, seed);
            }
        }
        return (0, seeds);
    }

    // A wrong image → records conversion: the last topic (its TopicRecord, partitions and configs) is left out.
    private static IReadOnlyList<MetadataRecord> WithoutLastTopic(IReadOnlyList<MetadataRecord> records)
    {
        if (records.OfType<TopicRecord>().LastOrDefault() is not { } topic)
        {
            return records;
        }
        return [.. records.Where(r => r != topic
            && !(r is PartitionRecord p && p.TopicId == topic.TopicId)
            && !(r is ConfigRecord { ResourceType: ConfigRecord.TopicResource } c && c.ResourceName == topic.Name))];
    }

    [Fact]
    public void PausedBroker_IsFencedAfterItsSessionTimeout_AndUnfencedOnceItResumes()
    {
        var simulation = new ControllerSimulation(7, new SimulationOptions { FaultPhaseMs = 0 });
        Assert.Null(simulation.Run());
        var active = simulation.ActiveController()!;
        var paused = simulation.Cluster.Nodes.First(n => n.Components.OfType<MetadataSimNode>().Single() is { Controller: not null } m && m != active);
        var pausedAt = simulation.Cluster.Scheduler.Now;
        paused.PausedUntil = pausedAt + 15_000;

        Assert.True(simulation.RunUntil(() => simulation.ActiveController()?.Controller?.Committed.Brokers[paused.NodeId].Fenced == true, 12_000),
            "the paused broker was not fenced");
        // The session timeout counts from the last heartbeat, which came up to one interval (2 s) before the pause.
        var fencedAfter = simulation.Cluster.Scheduler.Now - pausedAt;
        Assert.InRange(fencedAfter, 9_000 - 2_000, 9_000 + 500);

        Assert.True(simulation.RunUntil(() =>
            !paused.IsPaused
            && simulation.ActiveController()?.Controller?.Committed.Brokers[paused.NodeId].Fenced == false
            && paused.Components.OfType<MetadataSimNode>().Single().Broker.State == BrokerLifecycleState.Running, 20_000),
            "the resumed broker was not unfenced");
    }

    [Fact]
    public void SameSeedTwice_GivesTheSameTrace()
    {
        var first = new ControllerSimulation(3);
        var second = new ControllerSimulation(3);

        Assert.Null(first.Run());
        Assert.Null(second.Run());
        Assert.Equal(first.Cluster.Trace.Value, second.Cluster.Trace.Value);
        Assert.Equal(first.AdminSucceeded, second.AdminSucceeded);
    }

    public static TheoryData<string> CoreNamespaces => ["Gregor.Cluster.Controller.Core", "Gregor.Cluster.Metadata"];

    [Theory]
    [MemberData(nameof(CoreNamespaces))]
    public void ControllerAndMetadataCores_UseNoClockRandomnessThreadsOrTimersOfTheirOwn(string ns)
    {
        var assembly = typeof(ControllerCore).Assembly;
        Assert.Contains(assembly.GetTypes(), t => t.Namespace == ns);
        var findings = AmbientEffectScanner.Scan(assembly.Location, [ns]);
        Assert.True(findings.Count == 0, $"{ns} uses ambient effects:\n{string.Join('\n', findings)}");
    }
}
