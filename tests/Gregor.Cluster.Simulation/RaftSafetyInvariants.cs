using Gregor.Cluster.Raft;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// The Raft properties checked after every event: at most one leader per epoch; the high
/// watermark never moves back on a running replica; the last committed batch is durable on a
/// majority of voters (so nothing committed can be lost); and a leader that a newer epoch has
/// replaced stops leading within a bound (it must resign when no majority fetches from it).
/// Identical committed prefixes are checked as batches are applied (<see cref="CommittedHistory"/>).
/// </summary>
public sealed class RaftSafetyInvariants : ISimInvariant
{
    private readonly Dictionary<int, int> _leaderOfEpoch = [];
    private int _highestLeaderEpoch = -1;
    private long _lastCheck;

    /// <summary>Running time a replaced leader may keep leading: the fetch timeout, plus slack for a late fetch refreshing it.</summary>
    public long StaleLeaderBoundMs { get; init; } = 5_000;

    public void Check(SimCluster cluster)
    {
        var now = cluster.Scheduler.Now;
        var elapsed = now - _lastCheck;
        _lastCheck = now;
        foreach (var node in cluster.Nodes)
        {
            if (node.Raft is not { } raft)
            {
                continue;
            }

            if (raft.Role == RaftRole.Leader)
            {
                if (_leaderOfEpoch.TryGetValue(raft.Epoch, out var leader))
                {
                    if (leader != node.NodeId)
                    {
                        cluster.Violation($"two leaders in epoch {raft.Epoch}: nodes {leader} and {node.NodeId}");
                    }
                }
                else
                {
                    _leaderOfEpoch[raft.Epoch] = node.NodeId;
                    _highestLeaderEpoch = Math.Max(_highestLeaderEpoch, raft.Epoch);
                }
            }

            var hwm = raft.HighWatermark;
            if (hwm < node.LastHighWatermark)
            {
                cluster.Violation($"node {node.NodeId}'s high watermark moved back from {node.LastHighWatermark} to {hwm}");
            }

            node.LastHighWatermark = hwm;
        }

        foreach (var node in cluster.Nodes)
        {
            if (node.Raft is { Role: RaftRole.Leader } raft && raft.Epoch < _highestLeaderEpoch)
            {
                if (!node.IsPaused)
                {
                    node.StaleLeaderMs += elapsed;
                }

                if (node.StaleLeaderMs > StaleLeaderBoundMs)
                {
                    cluster.Violation($"node {node.NodeId} still leads epoch {raft.Epoch} {node.StaleLeaderMs} ms after epoch {_highestLeaderEpoch} got a leader (it never resigned)");
                }
            }
            else
            {
                node.StaleLeaderMs = 0;
            }
        }

        CheckDurable(cluster);
    }

    private static void CheckDurable(SimCluster cluster)
    {
        if (cluster.History.Last is not { } last)
        {
            return;
        }

        var end = cluster.History.End;
        var holders = 0;
        var voters = 0;
        foreach (var node in cluster.Nodes)
        {
            if (!node.IsVoter)
            {
                continue;
            }

            voters++;
            if (node.Log.LatestSnapshotId is { } snapshot && snapshot.Offset >= end)
            {
                holders++;
            }
            else if (node.Log.FlushedEndOffset >= end && node.Log.Read(last.BaseOffset, 1) is [var batch, ..]
                && batch.Epoch == last.Epoch && batch.NextOffset == end)
            {
                holders++;
            }
        }

        if (holders < voters / 2 + 1)
        {
            cluster.Violation($"committed offset {end - 1} (epoch {last.Epoch}) is durable on only {holders} of {voters} voters");
        }
    }
}
