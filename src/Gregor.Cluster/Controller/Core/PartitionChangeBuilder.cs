using System.Collections.Immutable;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// Turns a wanted change of one partition (target ISR, replicas, adding / removing replicas,
/// recovery state, election type) into the <see cref="PartitionChangeRecord"/> that makes it, or
/// null when nothing changes — Kafka's PartitionChangeBuilder. In order: a reassignment whose
/// target replicas are all in the ISR completes (removed replicas leave the replicas and ISR);
/// the ELR is maintained (KIP-966: while the ISR is below min.insync.replicas, replicas that
/// leave it join the ELR; at or above it the ELR is empty); a leader is elected — the current one
/// if still valid, else the first valid replica in replica order (in the ISR, or in the ELR when
/// the ISR is empty; an ELR leader becomes the sole ISR member), else for an unclean election any
/// acceptable replica (ISR = that replica, leader recovery state RECOVERING), else none (-1);
/// removing a replica from the replica set bumps the leader epoch; the last leader of a partition
/// whose ISR became empty is kept in LastKnownElr.
/// <para>When the ISR and ELR are both empty (the last replicas restarted uncleanly) the last known
/// leader is elected as soon as it is acceptable again, as an unclean election (KIP-966's balanced
/// recovery, Kafka's default unclean.recovery.strategy); unlike Kafka, never while it is fenced.</para>
/// </summary>
internal sealed class PartitionChangeBuilder
{
    private readonly PartitionImage _partition;
    private readonly Guid _topicId;
    private readonly Func<int, bool> _isAcceptableLeader;
    private readonly int _minIsr;
    private readonly bool _elrEnabled;
    private List<int> _targetElr;
    private List<int> _targetLastKnownElr;

    public PartitionChangeBuilder(PartitionImage partition, Guid topicId, Func<int, bool> isAcceptableLeader, int minIsr, bool elrEnabled)
    {
        _partition = partition;
        _topicId = topicId;
        _isAcceptableLeader = isAcceptableLeader;
        _minIsr = minIsr;
        _elrEnabled = elrEnabled;
        TargetIsr = [.. partition.Isr];
        TargetReplicas = [.. partition.Replicas];
        TargetRemoving = [.. partition.RemovingReplicas];
        TargetAdding = [.. partition.AddingReplicas];
        TargetLeaderRecoveryState = partition.LeaderRecoveryState;
        _targetElr = [.. partition.Elr];
        _targetLastKnownElr = [.. partition.LastKnownElr];
    }

    public List<int> TargetIsr { get; set; }

    public List<int> TargetReplicas { get; set; }

    public List<int> TargetRemoving { get; set; }

    public List<int> TargetAdding { get; set; }

    public LeaderRecoveryState TargetLeaderRecoveryState { get; set; }

    public PartitionElection Election { get; set; } = PartitionElection.Online;

    /// <summary>Replicas that restarted without a clean shutdown: they leave the ELR too (KIP-966).</summary>
    public IReadOnlyCollection<int> UncleanShutdownReplicas { get; set; } = [];

    /// <summary>The change, or null when the partition would stay as it is.</summary>
    public PartitionChangeRecord? Build()
    {
        CompleteReassignmentIfNeeded();
        PopulateTargetElr();
        var (leader, isr, recovery) = TryElection();
        if (leader == PartitionChangeRecord.LeaderUnchanged && !TargetReplicas.ToHashSet().IsSupersetOf(_partition.Replicas))
        {
            // A replica leaves the replica set: bump the leader epoch so it cannot keep fetching.
            leader = _partition.Leader;
        }
        var cleanElection = isr is null;
        if (!cleanElection || !_elrEnabled)
        {
            _targetElr = [];
            _targetLastKnownElr = [];
        }
        ImmutableArray<int>? elr = SameAs(_targetElr, _partition.Elr) ? null : [.. _targetElr];
        if (isr is null && (TargetIsr.Count > 0 || _elrEnabled) && !SameAs(TargetIsr, _partition.Isr))
        {
            isr = [.. TargetIsr];
        }
        ImmutableArray<int>? lastKnownElr = null;
        if (_elrEnabled)
        {
            if (isr is { IsEmpty: true } && (_partition.LastKnownElr.Length != 1 || _partition.LastKnownElr[0] != _partition.Leader))
            {
                lastKnownElr = [_partition.Leader]; // the first time the partition becomes leaderless
            }
            else if ((leader >= 0 || (_partition.Leader != -1 && leader != -1)) && _partition.LastKnownElr.Length > 0)
            {
                lastKnownElr = []; // it has (or keeps) a leader
            }
        }
        ImmutableArray<int>? replicas = TargetReplicas.Count > 0 && !SameAs(TargetReplicas, _partition.Replicas) ? [.. TargetReplicas] : null;
        ImmutableArray<int>? removing = SameAs(TargetRemoving, _partition.RemovingReplicas) ? null : [.. TargetRemoving];
        ImmutableArray<int>? adding = SameAs(TargetAdding, _partition.AddingReplicas) ? null : [.. TargetAdding];
        if (TargetLeaderRecoveryState != _partition.LeaderRecoveryState)
        {
            recovery = TargetLeaderRecoveryState;
        }
        var record = new PartitionChangeRecord(_partition.Partition, _topicId, isr, leader, replicas)
        {
            RemovingReplicas = removing,
            AddingReplicas = adding,
            LeaderRecoveryState = recovery,
            EligibleLeaderReplicas = elr,
            LastKnownElr = lastKnownElr,
        };
        if (record.IsNoOp)
        {
            return null;
        }
        return record with { RecordVersion = _elrEnabled || elr is not null || lastKnownElr is not null ? (short)2 : (short)0 };
    }

    private void CompleteReassignmentIfNeeded()
    {
        if (TargetRemoving.Count == 0 && TargetAdding.Count == 0)
        {
            return;
        }
        var isr = TargetIsr.Where(r => !TargetRemoving.Contains(r)).ToList();
        if (isr.Count == 0 || TargetAdding.Any(r => !isr.Contains(r)))
        {
            return;
        }
        TargetIsr = isr;
        TargetReplicas = [.. TargetReplicas.Where(r => !TargetRemoving.Contains(r))];
        TargetRemoving = [];
        TargetAdding = [];
    }

    private void PopulateTargetElr()
    {
        if (!_elrEnabled)
        {
            return;
        }
        if (TargetIsr.Count >= _minIsr)
        {
            _targetElr = [];
            _targetLastKnownElr = [];
            return;
        }
        // Members of the current ISR (and ELR) that leave it while it is below min ISR keep every
        // committed record (nothing committed since without them): they stay electable.
        var candidates = new SortedSet<int>(_targetElr);
        candidates.UnionWith(_partition.Isr);
        _targetElr = [.. candidates.Where(r => !TargetIsr.Contains(r) && !UncleanShutdownReplicas.Contains(r))];
        candidates.UnionWith(_targetLastKnownElr);
        _targetLastKnownElr = [.. candidates.Where(r => !TargetIsr.Contains(r) && !_targetElr.Contains(r))];
    }

    private bool IsValidNewLeader(int replica) =>
        (TargetIsr.Contains(replica) || (TargetIsr.Count == 0 && _targetElr.Contains(replica))) && _isAcceptableLeader(replica);

    private (int Leader, bool Unclean) ElectLeader()
    {
        if (Election == PartitionElection.Preferred && TargetReplicas.Count > 0 && IsValidNewLeader(TargetReplicas[0]))
        {
            return (TargetReplicas[0], false);
        }
        if (_partition.Leader >= 0 && IsValidNewLeader(_partition.Leader))
        {
            return (_partition.Leader, false);
        }
        foreach (var replica in TargetReplicas)
        {
            if (IsValidNewLeader(replica))
            {
                return (replica, false);
            }
        }
        if (_elrEnabled && TargetIsr.Count == 0 && _targetElr.Count == 0 && _partition.LastKnownElr.Length == 1
            && _isAcceptableLeader(_partition.LastKnownElr[0]))
        {
            return (_partition.LastKnownElr[0], true);
        }
        if (Election == PartitionElection.Unclean)
        {
            foreach (var replica in TargetReplicas)
            {
                if (_isAcceptableLeader(replica))
                {
                    return (replica, true);
                }
            }
        }
        return (-1, false);
    }

    /// <summary>The record's leader field (unchanged = -2), an ISR an unclean election forces, and a recovery state.</summary>
    private (int Leader, ImmutableArray<int>? Isr, LeaderRecoveryState? Recovery) TryElection()
    {
        var (leader, unclean) = ElectLeader();
        if (leader == _partition.Leader)
        {
            return (PartitionChangeRecord.LeaderUnchanged, null, null);
        }
        if (_targetElr.Contains(leader))
        {
            // Elected from the ELR: it holds every committed record, so it alone is the ISR.
            TargetIsr = [leader];
            _targetElr = [.. _targetElr.Where(r => r != leader)];
        }
        if (unclean)
        {
            // Data may be lost: the new leader alone is in sync, and recovers before it may grow the ISR.
            return (leader, [leader], _partition.LeaderRecoveryState != LeaderRecoveryState.Recovering ? LeaderRecoveryState.Recovering : null);
        }
        return (leader, null, null);
    }

    private static bool SameAs(List<int> target, ImmutableArray<int> current) =>
        current.IsDefaultOrEmpty ? target.Count == 0 : target.SequenceEqual(current);
}
