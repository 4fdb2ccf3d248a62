using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// The built-in state machine of every simulated node: folds each committed record's value into
/// a running hash, reports every committed batch and state to <see cref="CommittedHistory"/>
/// (which checks them against every other node's), and snapshots itself every few offsets so
/// log cleaning and FetchSnapshot are exercised. Its snapshot is one record: (count, hash).
/// With <c>snapshotEveryOffsets</c> 0 another component writes the snapshots (the controller
/// simulation's metadata loader), and a loaded one resumes the counter at the committed state.
/// </summary>
public sealed class ReplicatedCounter(int snapshotEveryOffsets) : ISimComponent, IRaftListener
{
    private SimNode? _node;
    private long _nextOffset;
    private long _count;
    private long _hash;
    private long _lastSnapshotEnd;

    public long NextOffset => _nextOffset;

    public long Hash => _hash;

    public void Start(SimNode node)
    {
        _node = node;
        node.Raft!.Register(this);
    }

    public void HandleCommit(RaftBatch batch)
    {
        var node = _node!;
        if (batch.BaseOffset != _nextOffset)
        {
            node.Cluster.Violation($"node {node.NodeId} was handed batch {batch.BaseOffset}..{batch.LastOffset} but expected offset {_nextOffset}");
        }

        foreach (var record in batch.Records)
        {
            var value = record is ProducerIdsRecord p ? p.NextProducerId : -7;
            _count++;
            _hash = CommittedHistory.Mix(_hash, value);
        }

        _nextOffset = batch.LastOffset + 1;
        node.Cluster.History.ObserveBatch(node, batch);
        node.Cluster.History.ObserveState(node, _nextOffset, _hash);
        if (snapshotEveryOffsets > 0 && _nextOffset - _lastSnapshotEnd >= snapshotEveryOffsets && node.Raft is { } raft)
        {
            _lastSnapshotEnd = _nextOffset;
            raft.CreateSnapshot(new OffsetAndEpoch(batch.LastOffset, batch.Epoch), batch.AppendTimestampMs,
                [new ProducerIdsRecord(-1, _count, _hash)]);
        }
    }

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
        var node = _node!;
        if (snapshotEveryOffsets == 0)
        {
            // Another component (the metadata loader) owns this run's snapshots: the counter's
            // state at the snapshot's end is the one every node reached there (some node applied
            // those batches before snapshotting them); the owner checks the snapshot's content.
            if (!node.Cluster.History.TryGetStateAt(snapshot.SnapshotId.Offset, out var hash))
            {
                node.Cluster.Violation($"node {node.NodeId} loaded snapshot {snapshot.SnapshotId} that no node's state machine reached");
            }

            _hash = hash;
            _nextOffset = snapshot.SnapshotId.Offset;
            _lastSnapshotEnd = _nextOffset;
            return;
        }

        if (snapshot.Records is not [ProducerIdsRecord state])
        {
            node.Cluster.Violation($"node {node.NodeId} loaded snapshot {snapshot.SnapshotId} with {snapshot.Records.Count} records, expected the counter's one");
            return;
        }

        _count = state.BrokerEpoch;
        _hash = state.NextProducerId;
        _nextOffset = snapshot.SnapshotId.Offset;
        _lastSnapshotEnd = _nextOffset;
        node.Cluster.History.ObserveState(node, _nextOffset, _hash);
    }

    public void HandleLeaderChange(LeaderAndEpoch leader) =>
        _node!.Cluster.Trace.Add(_node.Cluster.Scheduler.Now, _node.NodeId, 6, leader.Epoch * 1000L + (leader.LeaderId ?? -1));
}
