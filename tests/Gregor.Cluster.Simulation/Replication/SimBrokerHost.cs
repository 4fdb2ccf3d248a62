namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// One simulated broker machine: its disk (a <see cref="SimPartitionLog"/> per partition it
/// holds) outlives crashes; the process (<see cref="Process"/>) is replaced at every restart.
/// </summary>
public sealed class SimBrokerHost(DataPlaneSimulation simulation, int id)
{
    public int Id { get; } = id;

    public Dictionary<int, SimPartitionLog> Logs { get; } = [];

    public SimBroker? Process { get; private set; }

    public bool IsUp => Process is not null;

    public int Incarnation { get; private set; }

    public long PausedUntil { get; set; }

    public int MachineCrashes { get; private set; }

    /// <summary>The disk was replaced by an empty one since the broker last registered (it then cannot register as clean).</summary>
    public bool DiskReplaced { get; set; }

    public SimPartitionLog LogFor(int partition)
    {
        if (!Logs.TryGetValue(partition, out var log))
        {
            log = new SimPartitionLog();
            Logs[partition] = log;
        }
        return log;
    }

    public void Start()
    {
        Incarnation++;
        simulation.Trace.Add(simulation.Scheduler.Now, Id, 3, Incarnation);
        Process = new SimBroker(simulation, this, Incarnation);
        Process.Start();
    }

    /// <summary>The process dies; <paramref name="machine"/> also loses unflushed bytes; <paramref name="wipe"/> replaces the disk with an empty one.</summary>
    public void Crash(bool machine, bool torn, bool wipe = false)
    {
        Incarnation++;
        Process = null;
        PausedUntil = 0;
        if (wipe)
        {
            MachineCrashes++;
            DiskReplaced = true;
            foreach (var partition in Logs.Keys.ToList())
            {
                Logs[partition] = new SimPartitionLog();
            }
        }
        else if (machine)
        {
            MachineCrashes++;
            foreach (var log in Logs.Values)
            {
                log.LoseUnflushed(torn ? simulation.Random : null);
            }
        }
        simulation.Trace.Add(simulation.Scheduler.Now, Id, machine ? 5 : 4, Logs.Values.Sum(l => l.LogEndOffset));
    }
}
