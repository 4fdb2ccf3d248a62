namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// The data plane's network, with the fault model of the Raft simulator's <see cref="SimNetwork"/>:
/// random delays (messages overtake each other), drops, duplicates, directed link cuts, and
/// messages lost when either end restarted while they were in flight (the connection broke).
/// Delivery runs on the receiving endpoint's incarnation and waits while it is paused.
/// </summary>
public sealed class DataPlaneNetwork(DataPlaneSimulation simulation)
{
    private readonly Dictionary<(int From, int To), int> _cuts = [];

    public double DropRate { get; set; }

    public double DuplicateRate { get; set; }

    public double SlowRate { get; set; } = 0.02;

    public long Sent { get; private set; }

    public bool IsCut(int from, int to) => _cuts.ContainsKey((from, to));

    public void Cut(int from, int to) => _cuts[(from, to)] = _cuts.GetValueOrDefault((from, to)) + 1;

    public void Restore(int from, int to)
    {
        if (_cuts.TryGetValue((from, to), out var count))
        {
            if (count <= 1)
            {
                _cuts.Remove((from, to));
            }
            else
            {
                _cuts[(from, to)] = count - 1;
            }
        }
    }

    public void HealAll()
    {
        _cuts.Clear();
        DropRate = 0;
        DuplicateRate = 0;
        SlowRate = 0.02;
    }

    /// <summary>Sends a message from endpoint <paramref name="from"/> to <paramref name="to"/>; <paramref name="deliver"/> runs there.</summary>
    public void Send(int from, int to, int code, Action deliver)
    {
        Sent++;
        var random = simulation.Random;
        var fromIncarnation = simulation.IncarnationOf(from);
        var toIncarnation = simulation.IncarnationOf(to);
        if (toIncarnation < 0 || IsCut(from, to) || random.NextDouble() < DropRate)
        {
            return;
        }
        var copies = random.NextDouble() < DuplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            var delay = random.NextDouble() < SlowRate ? 5 + random.Next(295) : 1 + random.Next(4);
            simulation.Scheduler.After(delay, () =>
            {
                if (simulation.IncarnationOf(from) != fromIncarnation || IsCut(from, to))
                {
                    return;
                }
                simulation.RunOn(to, toIncarnation, code, deliver);
            });
        }
    }
}
