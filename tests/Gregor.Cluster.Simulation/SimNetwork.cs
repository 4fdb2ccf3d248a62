using Gregor.Cluster.Raft;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// The simulated network: every message gets a random delay (so messages overtake each other),
/// and may be dropped or duplicated; directed links can be cut (one-way, isolation, bridge
/// partitions). A message is also lost if either end restarted while it was in flight (its
/// connection broke).
/// </summary>
public sealed class SimNetwork(SimCluster cluster)
{
    private readonly Dictionary<(int From, int To), int> _cuts = [];

    public double DropRate { get; set; }

    public double DuplicateRate { get; set; }

    /// <summary>Probability that a message takes a long path (5–300 ms instead of 1–5 ms).</summary>
    public double SlowRate { get; set; } = 0.02;

    public long Sent { get; private set; }

    public long Dropped { get; private set; }

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

    internal void Send(SimNode from, int fromIncarnation, int to, int code, Action<RaftReplica> deliver)
    {
        Sent++;
        var random = cluster.Random;
        var target = cluster.Nodes[to];
        if (!target.IsUp || IsCut(from.NodeId, to) || random.NextDouble() < DropRate)
        {
            Dropped++;
            return;
        }

        var toIncarnation = target.Incarnation;
        var copies = random.NextDouble() < DuplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            var delay = random.NextDouble() < SlowRate ? 5 + random.Next(295) : 1 + random.Next(4);
            cluster.Scheduler.After(delay, () =>
            {
                if (from.Incarnation != fromIncarnation || IsCut(from.NodeId, to))
                {
                    Dropped++;
                    return;
                }

                target.Run(toIncarnation, code, from.NodeId, deliver);
            });
        }
    }
}
