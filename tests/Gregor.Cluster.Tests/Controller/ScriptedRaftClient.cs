using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Tests.Controller;

/// <summary>
/// A Raft client whose test decides everything: who leads (<see cref="Elect"/>), when appended
/// batches commit (<see cref="CommitAll"/>, <see cref="CommitThrough"/>), and what other leaders
/// wrote (<see cref="AppendFromOtherLeader"/>). Listeners see commits in log order.
/// </summary>
internal sealed class ScriptedRaftClient(int nodeId) : IRaftClient
{
    private readonly List<IRaftListener> _listeners = [];
    private readonly List<RaftBatch> _log = [];
    private int _delivered;

    public int NodeId { get; } = nodeId;
    public LeaderAndEpoch LeaderAndEpoch { get; private set; } = new(null, 0);
    public long HighWatermark => _delivered == 0 ? -1 : _log[_delivered - 1].LastOffset + 1;
    public List<RaftSnapshot> Snapshots { get; } = [];
    public IReadOnlyList<RaftBatch> Log => _log;
    public long TimestampMs { get; set; }

    public void Register(IRaftListener listener) => _listeners.Add(listener);

    /// <summary>A new leader; <paramref name="truncateUncommitted"/> drops the uncommitted tail, as a new leader lacking it would.</summary>
    public void Elect(int? leader, int epoch, bool truncateUncommitted = false)
    {
        if (truncateUncommitted)
        {
            _log.RemoveRange(_delivered, _log.Count - _delivered);
        }
        LeaderAndEpoch = new LeaderAndEpoch(leader, epoch);
        foreach (var listener in _listeners)
        {
            listener.HandleLeaderChange(LeaderAndEpoch);
        }
    }

    public long ScheduleAtomicAppend(int epoch, IReadOnlyList<MetadataRecord> records)
    {
        if (LeaderAndEpoch.LeaderId != NodeId || LeaderAndEpoch.Epoch != epoch)
        {
            throw new NotLeaderException(LeaderAndEpoch, epoch);
        }
        return Add(epoch, records);
    }

    public long AppendFromOtherLeader(int epoch, params MetadataRecord[] records) => Add(epoch, records);

    private long Add(int epoch, IReadOnlyList<MetadataRecord> records)
    {
        var baseOffset = _log.Count == 0 ? 0 : _log[^1].LastOffset + 1;
        var batch = new RaftBatch(baseOffset, baseOffset + records.Count - 1, epoch, TimestampMs, [.. records]);
        _log.Add(batch);
        return batch.LastOffset;
    }

    public int Uncommitted => _log.Count - _delivered;

    /// <summary>Commits and delivers every appended batch, including those appended by listeners meanwhile.</summary>
    public void CommitAll()
    {
        while (_delivered < _log.Count)
        {
            Deliver();
        }
    }

    public void CommitThrough(long offset)
    {
        while (_delivered < _log.Count && _log[_delivered].LastOffset <= offset)
        {
            Deliver();
        }
    }

    private void Deliver()
    {
        var batch = _log[_delivered++];
        foreach (var listener in _listeners)
        {
            listener.HandleCommit(batch);
        }
    }

    public void CreateSnapshot(OffsetAndEpoch lastContained, long lastContainedLogTimeMs, IReadOnlyList<MetadataRecord> records) =>
        Snapshots.Add(new RaftSnapshot(lastContained, lastContainedLogTimeMs, records));

    public void Resign(int epoch) => Elect(null, epoch + 1);
}
