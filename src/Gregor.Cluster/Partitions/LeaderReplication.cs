using System.Collections.Immutable;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The leader-side replication state of one replicated partition, as <see cref="Partition"/> uses
/// it: each follower's log end offset, broker epoch and last caught-up time; the committed ISR
/// and a pending proposal; the high watermark = min log end offset over the maximal ISR (committed
/// ISR plus pending additions, as Kafka), advanced only while the committed ISR has at least
/// min.insync.replicas members and never moved back; ISR expansion once a follower reaches the high
/// watermark (and the start of this leader's epoch), shrink after replica.lag.time.max.ms without
/// catching up to the log end. At most one proposal is pending until the image commits a change.
/// <para>Sans-I/O: callers pass the time, hold the partition's lock, and send proposals.</para>
/// </summary>
internal sealed class LeaderReplication
{
    private readonly int _localId;
    private readonly long _lagMaxMs;
    private readonly long _epochStartOffset;
    private readonly Dictionary<int, Follower> _followers = [];
    private PartitionReplicaView _view;
    private ImmutableArray<int>? _pending;
    private long _localLeo;
    private long _highWatermark;

    private sealed class Follower(long nowMs)
    {
        public long LogEndOffset = -1;
        public long BrokerEpoch = -1;
        public long LastCaughtUpMs = nowMs;
        public long LastFetchLeo = -1;
        public long LastFetchMs = nowMs;
    }

    public LeaderReplication(int localId, PartitionReplicaView view, long localLeo, long highWatermark, long lagMaxMs, long nowMs)
    {
        _localId = localId;
        _lagMaxMs = lagMaxMs;
        _view = view;
        _localLeo = localLeo;
        _epochStartOffset = localLeo;
        _highWatermark = highWatermark;
        foreach (var replica in view.Replicas)
        {
            if (replica != localId)
            {
                // Kafka starts every follower as caught up at the leadership change so the ISR is not shrunk at once.
                _followers[replica] = new Follower(nowMs);
            }
        }
    }

    public int MinInsyncReplicas { get; set; } = 1;

    /// <summary>The committed ISR plus a pending expansion.</summary>
    public IReadOnlyList<int> MaximalIsr => _pending is { } pending && pending.Length > _view.Isr.Length ? pending : _view.Isr;

    /// <summary>Members of the committed ISR (what min.insync.replicas is checked against).</summary>
    public int IsrCount => _view.Isr.Length;

    public long HighWatermark => _highWatermark;

    /// <summary>A newer committed assignment (same leadership): the pending proposal is settled.</summary>
    public void Apply(PartitionReplicaView view)
    {
        if (view.PartitionEpoch != _view.PartitionEpoch)
        {
            _pending = null;
        }
        _view = view;
        foreach (var replica in view.Replicas)
        {
            if (replica != _localId && !_followers.ContainsKey(replica))
            {
                _followers[replica] = new Follower(Environment.TickCount64);
            }
        }
    }

    public (long HighWatermark, IsrProposal? Proposal) OnFollowerFetch(int replicaId, long brokerEpoch, long fetchOffset, int lastFetchedEpoch, long nowMs, long localLeo)
    {
        _ = lastFetchedEpoch;
        _localLeo = Math.Max(_localLeo, localLeo);
        if (!_followers.TryGetValue(replicaId, out var follower))
        {
            return (_highWatermark, null);
        }
        // Kafka's Replica.updateFetchStateOrThrow: caught up if the fetch reached the leader's end
        // now, or the end the leader had at the previous fetch.
        if (fetchOffset >= localLeo)
        {
            follower.LastCaughtUpMs = nowMs;
        }
        else if (fetchOffset >= follower.LastFetchLeo && follower.LastFetchLeo >= 0)
        {
            follower.LastCaughtUpMs = Math.Max(follower.LastCaughtUpMs, follower.LastFetchMs);
        }
        follower.LastFetchLeo = localLeo;
        follower.LastFetchMs = nowMs;
        follower.LogEndOffset = fetchOffset;
        follower.BrokerEpoch = brokerEpoch;
        var hwm = Recompute(localLeo, nowMs);
        IsrProposal? proposal = null;
        if (_pending is null && !_view.Isr.Contains(replicaId) && fetchOffset >= hwm && fetchOffset >= _epochStartOffset)
        {
            proposal = Propose([.. _view.Isr, replicaId]);
        }
        return (hwm, proposal);
    }

    public long OnLocalAppend(long localLeo, long nowMs) => Recompute(localLeo, nowMs);

    public long Recompute(long localLeo, long nowMs)
    {
        _ = nowMs;
        _localLeo = Math.Max(_localLeo, localLeo);
        if (_view.Isr.Length < MinInsyncReplicas)
        {
            return _highWatermark;
        }
        var candidate = _localLeo;
        foreach (var member in MaximalIsr)
        {
            if (member == _localId)
            {
                continue;
            }
            var leo = _followers.TryGetValue(member, out var follower) ? follower.LogEndOffset : -1;
            candidate = Math.Min(candidate, leo);
        }
        if (candidate > _highWatermark)
        {
            _highWatermark = candidate;
        }
        return _highWatermark;
    }

    public IsrProposal? MaybeShrinkIsr(long nowMs)
    {
        if (_pending is not null)
        {
            return null;
        }
        var keep = _view.Isr.Where(r => r == _localId
            || !_followers.TryGetValue(r, out var f)
            || nowMs - f.LastCaughtUpMs <= _lagMaxMs
            || f.LogEndOffset >= _localLeo).ToImmutableArray();
        return keep.Length == _view.Isr.Length || keep.IsEmpty ? null : Propose(keep);
    }

    private IsrProposal Propose(ImmutableArray<int> isr)
    {
        _pending = isr;
        return new IsrProposal(_view.LeaderEpoch, _view.PartitionEpoch,
            [.. isr.Select(r => (r, r == _localId ? -1L : _followers.TryGetValue(r, out var f) ? f.BrokerEpoch : -1L))]);
    }

    /// <summary>The proposal failed for good (the controller refused it): a later fetch may propose again.</summary>
    public void ClearPending() => _pending = null;
}
