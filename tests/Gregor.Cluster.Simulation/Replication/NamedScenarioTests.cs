namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// The loss holes Kafka closed, scripted on the data-plane simulator (issue #12 A): each runs
/// with every invariant on and ends with the heal's liveness and no-loss / no-duplicate checks.
/// </summary>
public sealed class NamedScenarioTests
{
    private static readonly DataPlaneOptions Scripted = new()
    {
        Brokers = 3,
        Partitions = 1,
        CrashMode = CrashMode.FewMachineCrashes,
        RandomFaults = false,
    };

    private static void Run(DataPlaneSimulation simulation, Action script)
    {
        var lines = new List<string>();
        simulation.Log = lines.Add;
        try
        {
            simulation.Start();
            script();
            simulation.Heal();
        }
        catch (SimulationViolationException e)
        {
            Assert.Fail($"{e.Message}\n{string.Join('\n', lines.TakeLast(60))}");
        }
        finally
        {
            foreach (var line in lines.Where(l => !l.Contains("ack p", StringComparison.Ordinal)))
            {
                TestContext.Current.TestOutputHelper?.WriteLine(line);
            }
        }
    }

    private static void AfterNextAcknowledgement(DataPlaneSimulation simulation, long until)
    {
        var acknowledged = simulation.Stats.Acknowledged;
        Assert.True(simulation.RunUntil(() => simulation.Stats.Acknowledged > acknowledged, until), "no acknowledgement");
    }

    private static void Isolate(DataPlaneSimulation simulation, int broker, IEnumerable<int> from, long forMs) =>
        simulation.CutFor(forMs, [.. from.SelectMany(other => new[] { (broker, other), (other, broker) })]);

    [Fact]
    public void Kip101And279_DoubleFailover_TruncatesBothDivergentSuffixes()
    {
        var simulation = new DataPlaneSimulation(101, Scripted);
        Run(simulation, () =>
        {
            simulation.RunUntil(2_000);
            var first = simulation.Controller.Image.Partitions[0];
            var a = first.Leader;
            var others = first.Replicas.Where(id => id != a).ToList();
            // Right after an acknowledgement (the producer's next batch goes to A), A is cut off:
            // it appends what it can no longer replicate, then dies.
            AfterNextAcknowledgement(simulation, 4_000);
            Isolate(simulation, a, others, 20_000);
            simulation.RunUntil(simulation.Scheduler.Now + 600);
            simulation.CrashHost(simulation.Hosts[a], machine: false, torn: false, restartAfterMs: -1);
            simulation.RunUntil(8_000);
            var second = simulation.Controller.Image.Partitions[0];
            Assert.True(second.Leader >= 0 && second.Leader != a, $"no failover from {a}: leader {second.Leader}");
            var b = second.Leader;
            var c = others.Single(id => id != b);
            // B, leading epoch 2, appends what C never gets, then dies too: C leads epoch 3.
            AfterNextAcknowledgement(simulation, 9_000);
            Isolate(simulation, b, [c], 20_000);
            simulation.RunUntil(9_500);
            simulation.CrashHost(simulation.Hosts[b], machine: false, torn: false, restartAfterMs: -1);
            simulation.RunUntil(13_000);
            var third = simulation.Controller.Image.Partitions[0];
            Assert.Equal(c, third.Leader);
            Assert.True(third.LeaderEpoch >= first.LeaderEpoch + 2, $"epochs {first.LeaderEpoch} → {third.LeaderEpoch}");
            Assert.True(simulation.Hosts[a].Logs[0].LogEndOffset > simulation.Hosts[c].Logs[0].LogEndOffset
                || simulation.Hosts[b].Logs[0].LogEndOffset > simulation.Hosts[c].Logs[0].LogEndOffset,
                "neither old leader holds a suffix the new one lacks: the scenario tests nothing");
            simulation.StartHost(simulation.Hosts[a], simulation.Hosts[a].Incarnation);
            simulation.StartHost(simulation.Hosts[b], simulation.Hosts[b].Incarnation);
        });
        Assert.True(simulation.Stats.Truncations >= 2, $"{simulation.Stats.Truncations} truncations");
    }

    [Fact]
    public void Kip903_EmptyDiskRejoin_IsNotCountedInTheIsrUntilItHasCaughtUp()
    {
        var simulation = new DataPlaneSimulation(903, Scripted);
        Run(simulation, () =>
        {
            simulation.RunUntil(2_000);
            var partition = simulation.Controller.Image.Partitions[0];
            var a = partition.Leader;
            var b = partition.Replicas.First(id => id != a);
            // B comes back with an empty disk and cannot reach the leader for a while; then the
            // leader dies. B must never count as holding the data (the invariants check the ISR
            // members' logs against the HWM) and must not lead with an empty log.
            Isolate(simulation, b, [a], 1_500);
            simulation.CrashHost(simulation.Hosts[b], machine: true, torn: false, restartAfterMs: 50, wipe: true);
            simulation.RunUntil(3_000);
            Assert.DoesNotContain(b, simulation.Controller.Image.Partitions[0].Isr);
            simulation.CrashHost(simulation.Hosts[a], machine: false, torn: false, restartAfterMs: 3_000);
            simulation.RunUntil(9_000);
            var after = simulation.Controller.Image.Partitions[0];
            Assert.NotEqual(a, after.Leader);
        });
    }

    [Fact]
    public void Kip966_LastReplicaStanding_LosesItsPageCache_AndAnEligibleLeaderReplicaTakesOver()
    {
        var simulation = new DataPlaneSimulation(966, Scripted);
        Run(simulation, () =>
        {
            simulation.RunUntil(2_000);
            var partition = simulation.Controller.Image.Partitions[0];
            var a = partition.Leader;
            var others = partition.Replicas.Where(id => id != a).ToList();
            // The followers fall behind: A shrinks the ISR to itself (they join the ELR), and
            // with the ISR below min.insync.replicas nothing more is acknowledged.
            Isolate(simulation, a, others, 8_000);
            simulation.RunUntil(7_000);
            Assert.Equal([a], simulation.Controller.Image.Partitions[0].Isr);
            // The follower that left while the ISR was still at min ISR may have missed committed
            // records; the one that left it below min ISR has them all: only it is in the ELR.
            var elr = simulation.Controller.Elr(0).ToList();
            Assert.NotEmpty(elr);
            Assert.All(elr, id => Assert.Contains(id, others));
            // The last replica standing loses its page cache: it may not lead again on its own
            // word; an ELR member, which has everything acknowledged, does.
            simulation.CrashHost(simulation.Hosts[a], machine: true, torn: true, restartAfterMs: 200);
            simulation.RunUntil(9_000);
            Assert.Contains(simulation.Controller.Image.Partitions[0].Leader, elr);
        });
    }

    [Fact]
    public void ZombieLeader_OnTheMinoritySide_AcknowledgesNothing_AndIsTruncatedAfterTheHeal()
    {
        var simulation = new DataPlaneSimulation(12, Scripted);
        Run(simulation, () =>
        {
            simulation.RunUntil(2_000);
            var partition = simulation.Controller.Image.Partitions[0];
            var a = partition.Leader;
            var others = partition.Replicas.Where(id => id != a).ToList();
            // A loses the controller and its followers but clients still reach it.
            AfterNextAcknowledgement(simulation, 4_000);
            Isolate(simulation, a, [SimPartitionController.NodeId, .. others], 6_000);
            var zombie = simulation.Hosts[a].Process!.Replicas[0].Leader!;
            var frozenHighWatermark = zombie.HighWatermark;
            var acknowledged = simulation.Producers[0].Acknowledged.Count;
            simulation.RunUntil(simulation.Scheduler.Now + 5_000);
            Assert.Same(zombie, simulation.Hosts[a].Process!.Replicas[0].Leader);   // it still believes it leads
            Assert.Equal(frozenHighWatermark, zombie.HighWatermark);
            Assert.True(simulation.Hosts[a].Logs[0].LogEndOffset > frozenHighWatermark, "the zombie appended nothing: the scenario tests nothing");
            var leader = simulation.Controller.Image.Partitions[0].Leader;
            Assert.Contains(leader, others);
            Assert.True(simulation.Producers[0].Acknowledged.Count > acknowledged, "the majority side acknowledged nothing");
        });
        Assert.True(simulation.Stats.Truncations >= 1, "the zombie's suffix was not truncated");
    }
}
