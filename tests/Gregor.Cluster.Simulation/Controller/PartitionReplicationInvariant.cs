using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// ISR and election invariants (issue #12), checked record by record on the committed metadata
/// log as it grows (every node replays the same committed log — <see cref="CommittedHistory"/>
/// checks that — so one stream is followed, read from whichever running node has committed
/// furthest). For every partition change, against the state just before it:
/// a broker added to the ISR is registered, unfenced and not shutting down (KIP-903);
/// a new leader is such a broker too, and comes from the ISR, from the ELR when the ISR was
/// empty, from the replicas just added to the ISR, or is an unclean election (RECOVERING);
/// the leader epoch moves exactly when a leader is set and then at most one leader holds each
/// leader epoch; afterwards the leader is in the ISR (or there is none), the ISR is a
/// duplicate-free subset of the replicas and disjoint from the ELR. The partition epoch moves
/// by one per change by construction of the replay (<see cref="MetadataImageBuilder.Merge"/>).
/// </summary>
public sealed class PartitionReplicationInvariant : ISimInvariant
{
    private readonly Dictionary<(Guid TopicId, int Partition, int LeaderEpoch), int> _leaders = [];
    private MetadataImageBuilder _builder = new(MetadataImage.Empty("sim", 0));
    private MetadataImage _image = MetadataImage.Empty("sim", 0);
    private long _offset = -1;
    private bool _stale;

    /// <summary>Partition changes checked.</summary>
    public long Changes { get; private set; }

    /// <summary>Broker additions to an ISR checked.</summary>
    public long IsrAdditions { get; private set; }

    public void Check(SimCluster cluster)
    {
        var source = cluster.Nodes
            .Where(n => n.IsUp)
            .Select(n => (Node: n, Metadata: n.Components.OfType<MetadataSimNode>().FirstOrDefault()))
            .Where(x => x.Metadata is not null && x.Metadata.Loader.Current.Offset > _offset)
            .OrderByDescending(x => x.Metadata!.Loader.Current.Offset)
            .FirstOrDefault();
        if (source.Node is not { } node)
        {
            return;
        }
        var upTo = source.Metadata!.Loader.Current.Offset;
        var batches = node.Log.Batches;
        if (batches.Count == 0 || batches[0].BaseOffset > _offset + 1)
        {
            // The node's log starts past what was checked (a snapshot): continue from its image.
            _image = source.Metadata.Loader.Current;
            _builder = new MetadataImageBuilder(_image);
            _stale = false;
            _offset = upTo;
            return;
        }
        foreach (var batch in batches)
        {
            if (batch.LastOffset <= _offset)
            {
                continue;
            }
            if (batch.LastOffset > upTo)
            {
                break;
            }
            if (!batch.IsControl)
            {
                for (var i = 0; i < batch.Records.Count; i++)
                {
                    var offset = batch.BaseOffset + i;
                    if (offset <= _offset)
                    {
                        continue;
                    }
                    CheckRecord(cluster, offset, batch.Records[i]);
                    _builder.Apply(offset, batch.Records[i]);
                    _stale = true;
                }
            }
            _builder.AdvanceTo(batch.LastOffset);
            _offset = batch.LastOffset;
        }
    }

    private bool Active(int broker) => _image.Brokers.TryGetValue(broker, out var b) && !b.Fenced && !b.InControlledShutdown;

    private void CheckRecord(SimCluster cluster, long offset, MetadataRecord record)
    {
        if (record is not (PartitionRecord or PartitionChangeRecord))
        {
            return;
        }
        if (_stale)
        {
            _image = _builder.Build(); // only when a partition record needs it: building is not free
            _stale = false;
        }
        switch (record)
        {
            case PartitionRecord created:
                var initial = new PartitionImage(created.PartitionId, created.Leader, created.LeaderEpoch, created.Replicas, created.Isr, created.PartitionEpoch)
                {
                    Elr = created.EligibleLeaderReplicas ?? [],
                };
                CheckShape(cluster, offset, created.TopicId, created.PartitionId, initial);
                break;
            case PartitionChangeRecord change
                when _image.TopicsById.TryGetValue(change.TopicId, out var topic) && topic.Partitions.TryGetValue(change.PartitionId, out var before):
                Changes++;
                var after = MetadataImageBuilder.Merge(before, change);
                var where = $"offset {offset}: {topic.Name}-{change.PartitionId}";
                var added = after.Isr.Where(r => !before.Isr.Contains(r)).ToList();
                foreach (var replica in added)
                {
                    IsrAdditions++;
                    if (!Active(replica))
                    {
                        var state = _image.Brokers.TryGetValue(replica, out var b) ? (b.Fenced ? "fenced" : "in controlled shutdown") : "not registered";
                        cluster.Violation($"{where}: broker {replica} ({state}) admitted to the ISR {Show(after.Isr)}");
                    }
                }
                if (change.Leader != PartitionChangeRecord.LeaderUnchanged && after.Leader >= 0 && after.Leader != before.Leader)
                {
                    var leader = after.Leader;
                    var clean = before.Isr.Contains(leader) || (before.Isr.IsEmpty && before.Elr.Contains(leader)) || added.Contains(leader);
                    if (!Active(leader))
                    {
                        cluster.Violation($"{where}: broker {leader}, not active, elected leader");
                    }
                    if (!clean && after.LeaderRecoveryState != LeaderRecoveryState.Recovering)
                    {
                        cluster.Violation($"{where}: broker {leader} elected from outside the ISR {Show(before.Isr)} and ELR {Show(before.Elr)} without an unclean election");
                    }
                }
                if (after.LeaderEpoch != before.LeaderEpoch + (change.Leader == PartitionChangeRecord.LeaderUnchanged ? 0 : 1))
                {
                    cluster.Violation($"{where}: leader epoch {before.LeaderEpoch} -> {after.LeaderEpoch}");
                }
                CheckShape(cluster, offset, change.TopicId, change.PartitionId, after);
                break;
            default:
                break;
        }
    }

    private void CheckShape(SimCluster cluster, long offset, Guid topicId, int partition, PartitionImage p)
    {
        var where = $"offset {offset}: partition {partition} of {topicId}";
        if (p.Leader >= 0 && !p.Isr.Contains(p.Leader))
        {
            cluster.Violation($"{where}: leader {p.Leader} not in the ISR {Show(p.Isr)}");
        }
        if (p.Isr.Distinct().Count() != p.Isr.Length || p.Isr.Any(r => !p.Replicas.Contains(r)))
        {
            cluster.Violation($"{where}: ISR {Show(p.Isr)} is not a subset of the replicas {Show(p.Replicas)}");
        }
        if (p.Elr.Any(p.Isr.Contains))
        {
            cluster.Violation($"{where}: ELR {Show(p.Elr)} overlaps the ISR {Show(p.Isr)}");
        }
        if (p.Leader >= 0)
        {
            if (_leaders.TryGetValue((topicId, partition, p.LeaderEpoch), out var other) && other != p.Leader)
            {
                cluster.Violation($"{where}: leaders {other} and {p.Leader} in leader epoch {p.LeaderEpoch}");
            }
            _leaders[(topicId, partition, p.LeaderEpoch)] = p.Leader;
        }
    }

    private static string Show(System.Collections.Immutable.ImmutableArray<int> ids) => "[" + string.Join(",", ids) + "]";
}
