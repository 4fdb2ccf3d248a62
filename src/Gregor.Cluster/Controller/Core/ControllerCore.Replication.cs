using System.Globalization;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// Partition replication on the controller (Kafka's ReplicationControlManager): ISR changes from
/// partition leaders (AlterPartition), leader elections when brokers are fenced, unfenced, shut
/// down or re-registered, ElectLeaders, automatic preferred-leader rebalancing, and
/// reassignments. Every change is a <see cref="PartitionChangeRecord"/> built by
/// <see cref="PartitionChangeBuilder"/>.
/// </summary>
public sealed partial class ControllerCore
{
    private const string MinInsyncReplicasConfig = "min.insync.replicas";
    private const string UncleanLeaderElectionConfig = "unclean.leader.election.enable";

    /// <summary>Per broker in controlled shutdown: the offset whose commit moved its leaderships away (it shuts down once it has seen it).</summary>
    private readonly Dictionary<int, long> _controlledShutdownOffsets = [];
    private long _nextLeaderBalanceMs = long.MaxValue;

    /// <summary>
    /// A partition leader's ISR changes (see <see cref="IController.AlterPartitionAsync"/>), validated
    /// as Kafka's ReplicationControlManager.alterPartition does and answered once committed.
    /// </summary>
    public void AlterPartition(int brokerId, long brokerEpoch, IReadOnlyList<AlterPartitionItem> items, Action<AlterPartitionOutcome> reply) =>
        Write(reply, (error, _) => AlterPartitionOutcome.Failed(error), () =>
        {
            if (!_latest.Brokers.TryGetValue(brokerId, out var sender) || sender.Epoch != brokerEpoch)
            {
                return Reply(AlterPartitionOutcome.Failed(ErrorCode.StaleBrokerEpoch));
            }
            var changes = new PartitionChanges(_latest);
            var results = new List<AlterPartitionResult>(items.Count);
            foreach (var item in items)
            {
                results.Add(AlterOnePartition(brokerId, item, changes));
            }
            return (changes.Records, new AlterPartitionOutcome(ErrorCode.None, results));
        });

    private AlterPartitionResult AlterOnePartition(int brokerId, AlterPartitionItem item, PartitionChanges changes)
    {
        if (!_latest.TopicsById.TryGetValue(item.TopicId, out var topic))
        {
            return new AlterPartitionResult(item.TopicId, item.Partition, ErrorCode.UnknownTopicId);
        }
        if (changes.Current(item.TopicId, item.Partition) is not { } partition)
        {
            return new AlterPartitionResult(item.TopicId, item.Partition, ErrorCode.UnknownTopicOrPartition);
        }
        var error = ValidateAlterPartition(brokerId, partition, item);
        if (error != ErrorCode.None)
        {
            return new AlterPartitionResult(item.TopicId, item.Partition, error);
        }
        var builder = NewBuilder(topic, partition, IsActiveBroker);
        builder.TargetIsr = [.. item.NewIsr.Select(m => m.BrokerId)];
        builder.TargetLeaderRecoveryState = item.LeaderRecoveryState;
        var change = builder.Build();
        var after = changes.Apply(partition, change);
        if (change is not null && change.Leader != PartitionChangeRecord.LeaderUnchanged && change.Leader != brokerId)
        {
            // The ISR change completed a reassignment that moved leadership away from the sender:
            // committed, but the sender must learn its new role from the image before trying again.
            return new AlterPartitionResult(item.TopicId, item.Partition, ErrorCode.NewLeaderElected);
        }
        return new AlterPartitionResult(item.TopicId, item.Partition, ErrorCode.None, after.Leader, after.LeaderEpoch, [.. after.Isr],
            after.LeaderRecoveryState, after.PartitionEpoch);
    }

    /// <summary>Kafka's validateAlterPartitionData, in its order.</summary>
    private ErrorCode ValidateAlterPartition(int brokerId, PartitionImage partition, AlterPartitionItem item)
    {
        // A leader that knows newer epochs than this controller talks to a stale controller.
        if (item.LeaderEpoch > partition.LeaderEpoch || item.PartitionEpoch > partition.PartitionEpoch)
        {
            return ErrorCode.NotController;
        }
        if (item.LeaderEpoch < partition.LeaderEpoch)
        {
            return ErrorCode.FencedLeaderEpoch;
        }
        if (brokerId != partition.Leader)
        {
            return ErrorCode.InvalidRequest;
        }
        if (item.PartitionEpoch < partition.PartitionEpoch)
        {
            return ErrorCode.InvalidUpdateVersion;
        }
        var newIsr = item.NewIsr.Select(m => m.BrokerId).ToList();
        if (newIsr.Any(r => r < 0) || newIsr.Distinct().Count() != newIsr.Count || newIsr.Any(r => !partition.Replicas.Contains(r)))
        {
            return ErrorCode.InvalidRequest; // the ISR is a duplicate-free subset of the replicas
        }
        if (!newIsr.Contains(partition.Leader))
        {
            return ErrorCode.InvalidRequest; // the ISR always holds its leader
        }
        if (item.LeaderRecoveryState == LeaderRecoveryState.Recovering && newIsr.Count > 1)
        {
            return ErrorCode.InvalidRequest; // a recovering leader is alone in the ISR
        }
        if (partition.LeaderRecoveryState == LeaderRecoveryState.Recovered && item.LeaderRecoveryState == LeaderRecoveryState.Recovering)
        {
            return ErrorCode.InvalidRequest;
        }
        foreach (var member in item.NewIsr)
        {
            // KIP-903: only a live, unfenced incarnation that is not shutting down joins the ISR.
            if (!_latest.Brokers.TryGetValue(member.BrokerId, out var broker)
                || broker.InControlledShutdown
                || broker.Fenced
                || (member.BrokerEpoch != -1 && member.BrokerEpoch != broker.Epoch))
            {
                if (!_options.Faults.AdmitIneligibleReplicas)
                {
                    return ErrorCode.IneligibleReplica;
                }
            }
        }
        return ErrorCode.None;
    }

    /// <summary>
    /// Elects leaders (see <see cref="IController.ElectLeadersAsync"/>) as Kafka's
    /// ReplicationControlManager.electLeaders: per partition ELECTION_NOT_NEEDED when the preferred
    /// replica already leads (preferred) or a leader exists (unclean); PREFERRED_LEADER_NOT_AVAILABLE /
    /// ELIGIBLE_LEADERS_NOT_AVAILABLE when no change can be made. Asked for every partition, those
    /// that need no election are left out.
    /// </summary>
    public void ElectLeaders(ElectionType electionType, IReadOnlyList<TopicPartition>? partitions, Action<ElectLeadersOutcome> reply) =>
        Write(reply, ElectLeadersOutcome.Failed, () =>
        {
            if (electionType is not (ElectionType.Preferred or ElectionType.Unclean))
            {
                return Reply(ElectLeadersOutcome.Failed(ErrorCode.InvalidRequest, $"Unknown election type {(int)electionType}"));
            }
            var changes = new PartitionChanges(_latest);
            var results = new List<ElectLeadersResult>();
            if (partitions is null)
            {
                foreach (var (topic, partition) in changes.All().ToList())
                {
                    var result = ElectOne(topic.Name, partition.Partition, electionType, changes);
                    if (result.Error != ErrorCode.ElectionNotNeeded)
                    {
                        results.Add(result);
                    }
                }
            }
            else
            {
                foreach (var tp in partitions)
                {
                    results.Add(ElectOne(tp.Topic, tp.Partition, electionType, changes));
                }
            }
            return (changes.Records, new ElectLeadersOutcome(ErrorCode.None, null, results));
        });

    private ElectLeadersResult ElectOne(string topicName, int partitionId, ElectionType electionType, PartitionChanges changes)
    {
        if (!_latest.TopicsByName.TryGetValue(topicName, out var topic))
        {
            return new ElectLeadersResult(topicName, partitionId, ErrorCode.UnknownTopicOrPartition, $"No such topic as {topicName}");
        }
        if (changes.Current(topic.TopicId, partitionId) is not { } partition)
        {
            return new ElectLeadersResult(topicName, partitionId, ErrorCode.UnknownTopicOrPartition, $"No such partition as {topicName}-{partitionId}");
        }
        if ((electionType == ElectionType.Preferred && partition.Leader == partition.PreferredLeader)
            || (electionType == ElectionType.Unclean && partition.Leader != -1))
        {
            return new ElectLeadersResult(topicName, partitionId, ErrorCode.ElectionNotNeeded, "Leader election not needed for topic partition.");
        }
        var builder = NewBuilder(topic, partition, IsActiveBroker);
        builder.Election = electionType == ElectionType.Preferred ? PartitionElection.Preferred : PartitionElection.Unclean;
        var change = builder.Build();
        if (change is null)
        {
            return electionType == ElectionType.Preferred
                ? new ElectLeadersResult(topicName, partitionId, ErrorCode.PreferredLeaderNotAvailable, "The preferred leader was not available.")
                : new ElectLeadersResult(topicName, partitionId, ErrorCode.EligibleLeadersNotAvailable, "Eligible topic partition leaders are not available.");
        }
        changes.Apply(partition, change);
        return new ElectLeadersResult(topicName, partitionId, ErrorCode.None);
    }

    /// <summary>
    /// Starts, changes or cancels reassignments (see <see cref="IController.AlterPartitionReassignmentsAsync"/>),
    /// as Kafka's ReplicationControlManager.alterPartitionReassignments: one atomic batch.
    /// </summary>
    public void AlterPartitionReassignments(IReadOnlyList<PartitionReassignment> reassignments, bool allowReplicationFactorChange,
        Action<AlterPartitionReassignmentsOutcome> reply) =>
        Write(reply, AlterPartitionReassignmentsOutcome.Failed, () =>
        {
            var changes = new PartitionChanges(_latest);
            var results = new List<ReassignmentResult>(reassignments.Count);
            foreach (var reassignment in reassignments)
            {
                var (error, message) = ReassignOne(reassignment, allowReplicationFactorChange, changes);
                results.Add(new ReassignmentResult(reassignment.Topic, reassignment.Partition, error, message));
            }
            return (changes.Records, new AlterPartitionReassignmentsOutcome(ErrorCode.None, null, results));
        });

    private (ErrorCode, string?) ReassignOne(PartitionReassignment reassignment, bool allowReplicationFactorChange, PartitionChanges changes)
    {
        if (!_latest.TopicsByName.TryGetValue(reassignment.Topic, out var topic))
        {
            return (ErrorCode.UnknownTopicOrPartition, $"Unable to find a topic named {reassignment.Topic}.");
        }
        if (changes.Current(topic.TopicId, reassignment.Partition) is not { } partition)
        {
            return (ErrorCode.UnknownTopicOrPartition, $"Unable to find partition {reassignment.Topic}:{reassignment.Partition}.");
        }
        var configs = TopicReplicationConfigs(topic);
        if (reassignment.TargetReplicas is not { } target)
        {
            if (!partition.IsReassigning)
            {
                return (ErrorCode.NoReassignmentInProgress, "No partition reassignment is in progress for this topic or partition.");
            }
            // Revert: drop the replicas being added, keep the ones being removed.
            var adding = partition.AddingReplicas;
            var replicas = partition.Replicas.Where(r => !adding.Contains(r)).ToList();
            var isr = partition.Isr.Where(r => !adding.Contains(r)).ToList();
            if (isr.Count == 0)
            {
                if (!configs.Unclean)
                {
                    return (ErrorCode.InvalidReplicaAssignment,
                        $"Unable to revert partition assignment for {reassignment.Topic}:{reassignment.Partition} because it would require an unclean leader election.");
                }
                isr.Add(replicas[0]);
            }
            var revert = NewBuilder(topic, partition, IsActiveBroker);
            revert.TargetIsr = isr;
            revert.TargetReplicas = replicas;
            revert.TargetRemoving = [];
            revert.TargetAdding = [];
            changes.Apply(partition, revert.Build());
            return (ErrorCode.None, null);
        }
        if (ValidateReplicas(_latest, reassignment.Partition, [.. target]) is { } invalid)
        {
            return (ErrorCode.InvalidReplicaAssignment, invalid);
        }
        var originalFactor = partition.Replicas.Length - partition.AddingReplicas.Length;
        if (!allowReplicationFactorChange && target.Count != originalFactor)
        {
            return (ErrorCode.InvalidReplicationFactor,
                $"The replication factor is changed from {originalFactor} to {target.Count}, which is not allowed for this request.");
        }
        // Kafka's PartitionReassignmentReplicas: the target first, then the replicas being removed.
        var current = partition.Replicas;
        var removing = current.Where(r => !target.Contains(r)).ToList();
        var addingNew = target.Where(r => !current.Contains(r)).ToList();
        var all = target.Concat(removing).ToList();
        var builder = NewBuilder(topic, partition, IsActiveBroker);
        if (!all.SequenceEqual(current))
        {
            builder.TargetReplicas = all;
        }
        if (removing.Count > 0)
        {
            builder.TargetRemoving = removing;
        }
        if (addingNew.Count > 0)
        {
            builder.TargetAdding = addingNew;
        }
        changes.Apply(partition, builder.Build());
        return (ErrorCode.None, null);
    }

    /// <summary>The ongoing reassignments among <paramref name="partitions"/> (null: all), as of the committed state.</summary>
    public void ListPartitionReassignments(IReadOnlyList<TopicPartition>? partitions, Action<ListPartitionReassignmentsOutcome> reply) =>
        Write(reply, ListPartitionReassignmentsOutcome.Failed, () =>
        {
            var image = _committed;
            var ongoing = new List<OngoingReassignment>();
            IEnumerable<(TopicImage Topic, PartitionImage Partition)> candidates = partitions is null
                ? image.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal)
                    .SelectMany(t => t.Partitions.Values.OrderBy(p => p.Partition).Select(p => (t, p)))
                : partitions
                    .Where(tp => image.TopicsByName.TryGetValue(tp.Topic, out var t) && t.Partitions.ContainsKey(tp.Partition))
                    .Select(tp => (image.TopicsByName[tp.Topic], image.TopicsByName[tp.Topic].Partitions[tp.Partition]));
            foreach (var (topic, partition) in candidates)
            {
                if (partition.IsReassigning)
                {
                    ongoing.Add(new OngoingReassignment(topic.Name, partition.Partition, [.. partition.Replicas],
                        [.. partition.AddingReplicas], [.. partition.RemovingReplicas]));
                }
            }
            return Reply(new ListPartitionReassignmentsOutcome(ErrorCode.None, null, ongoing));
        });

    // ---- broker lifecycle hooks (Kafka's handleBrokerFenced / Unfenced / InControlledShutdown / UncleanShutdown) ----

    /// <summary>
    /// Fences one incarnation: removes it from every ISR and elects new leaders where it led
    /// (PartitionChangeRecords), then the FenceBrokerRecord, in one batch as Kafka's handleBrokerFenced.
    /// </summary>
    private void Fence(BrokerImage broker, List<MetadataRecord> records)
    {
        records.AddRange(LeaderAndIsrUpdates(_latest, brokerToRemove: broker.NodeId, brokerToAdd: -1, uncleanShutdown: -1,
            p => p.Isr.Contains(broker.NodeId) || p.Leader == broker.NodeId));
        records.Add(new FenceBrokerRecord(broker.NodeId, broker.Epoch));
        _controlledShutdownOffsets.Remove(broker.NodeId);
    }

    /// <summary>Unfences one incarnation and elects it where a partition has no leader and it is a valid one.</summary>
    private void Unfence(BrokerImage broker, List<MetadataRecord> records)
    {
        records.Add(new UnfenceBrokerRecord(broker.NodeId, broker.Epoch));
        records.AddRange(LeaderAndIsrUpdates(_latest, brokerToRemove: -1, brokerToAdd: broker.NodeId, uncleanShutdown: -1, p => p.Leader == -1));
    }

    /// <summary>
    /// Controlled shutdown: removes <paramref name="broker"/> from every ISR and elects other leaders
    /// where it led (PartitionChangeRecords into <paramref name="records"/>); returns how many
    /// partitions it still leads afterwards (none: a partition nobody else can lead goes offline,
    /// as in Kafka).
    /// </summary>
    private int MoveLeadershipAway(BrokerImage broker, List<MetadataRecord> records)
    {
        var updates = LeaderAndIsrUpdates(_latest, brokerToRemove: broker.NodeId, brokerToAdd: -1, uncleanShutdown: -1,
            p => p.Isr.Contains(broker.NodeId) || p.Leader == broker.NodeId);
        records.AddRange(updates);
        var changes = new PartitionChanges(_latest);
        foreach (var update in updates.OfType<PartitionChangeRecord>())
        {
            changes.Apply(changes.Current(update.TopicId, update.PartitionId)!, update);
        }
        return changes.All().Count(p => p.Partition.Leader == broker.NodeId);
    }

    /// <summary>
    /// A new incarnation of a registered broker: the old one is gone, so it leaves every ISR (and,
    /// unless it shut down cleanly — <paramref name="cleanShutdown"/> — every ELR, KIP-966) and new
    /// leaders are elected where it led, before the broker catches up again and rejoins through AlterPartition.
    /// </summary>
    private void Reregister(int brokerId, bool cleanShutdown, List<MetadataRecord> records)
    {
        records.AddRange(LeaderAndIsrUpdates(_latest, brokerToRemove: brokerId, brokerToAdd: -1, uncleanShutdown: cleanShutdown ? -1 : brokerId,
            p => p.Isr.Contains(brokerId) || p.Leader == brokerId || p.Elr.Contains(brokerId)));
        _controlledShutdownOffsets.Remove(brokerId);
    }

    /// <summary>Kafka's generateLeaderAndIsrUpdates over the partitions <paramref name="which"/> selects.</summary>
    private List<MetadataRecord> LeaderAndIsrUpdates(MetadataImage image, int brokerToRemove, int brokerToAdd, int uncleanShutdown, Func<PartitionImage, bool> which)
    {
        bool Acceptable(int r) => r != brokerToRemove && r != uncleanShutdown && (r == brokerToAdd || IsActiveBroker(r));
        var records = new List<MetadataRecord>();
        foreach (var topic in image.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            TopicConfigsForReplication? configs = null;
            foreach (var partition in topic.Partitions.Values.OrderBy(p => p.Partition))
            {
                if (!which(partition))
                {
                    continue;
                }
                configs ??= TopicReplicationConfigs(topic);
                var builder = new PartitionChangeBuilder(partition, topic.TopicId, Acceptable, configs.Value.MinIsr, image.EligibleLeaderReplicasEnabled)
                {
                    Election = configs.Value.Unclean ? PartitionElection.Unclean : PartitionElection.Online,
                    UncleanShutdownReplicas = uncleanShutdown >= 0 ? [uncleanShutdown] : [],
                };
                builder.TargetIsr = [.. partition.Isr.Where(r => r != brokerToRemove && r != uncleanShutdown)];
                if (builder.Build() is { } change)
                {
                    records.Add(change);
                }
            }
        }
        return records;
    }

    // ---- automatic preferred-leader rebalancing (auto.leader.rebalance.enable) ----

    /// <summary>
    /// Every leader.imbalance.check.interval.seconds: for each broker whose share of partitions it
    /// prefers but does not lead exceeds leader.imbalance.per.broker.percentage, elect it (preferred
    /// election) wherever it is a valid leader — Kafka's auto leader rebalance.
    /// </summary>
    private void MaybeBalanceLeaders(long now, List<MetadataRecord> records)
    {
        if (!_options.AutoLeaderRebalanceEnable || now < _nextLeaderBalanceMs)
        {
            return;
        }
        _nextLeaderBalanceMs = now + _options.LeaderImbalanceCheckIntervalMs;
        var preferredBy = new Dictionary<int, (int Total, int NotLeading)>();
        foreach (var topic in _latest.TopicsByName.Values)
        {
            foreach (var partition in topic.Partitions.Values)
            {
                var preferred = partition.PreferredLeader;
                var (total, notLeading) = preferredBy.GetValueOrDefault(preferred);
                preferredBy[preferred] = (total + 1, notLeading + (partition.Leader == preferred ? 0 : 1));
            }
        }
        var imbalanced = preferredBy
            .Where(b => b.Key >= 0 && b.Value.NotLeading * 100L > b.Value.Total * (long)_options.LeaderImbalancePerBrokerPercentage && IsActiveBroker(b.Key))
            .Select(b => b.Key)
            .ToHashSet();
        if (imbalanced.Count == 0)
        {
            return;
        }
        foreach (var topic in _latest.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            foreach (var partition in topic.Partitions.Values.OrderBy(p => p.Partition))
            {
                if (partition.Leader == partition.PreferredLeader || !imbalanced.Contains(partition.PreferredLeader)
                    || records.Count >= _options.MaxRecordsPerBatch)
                {
                    continue;
                }
                var builder = NewBuilder(topic, partition, IsActiveBroker);
                builder.Election = PartitionElection.Preferred;
                if (builder.Build() is { } change)
                {
                    records.Add(change);
                }
            }
        }
    }

    // ---- helpers ----

    /// <summary>Kafka's ClusterControlManager.isActive: registered, unfenced, not shutting down.</summary>
    private bool IsActiveBroker(int id) =>
        _latest.Brokers.TryGetValue(id, out var broker) && !broker.Fenced && !broker.InControlledShutdown;

    private PartitionChangeBuilder NewBuilder(TopicImage topic, PartitionImage partition, Func<int, bool> acceptable)
    {
        var configs = TopicReplicationConfigs(topic);
        return new PartitionChangeBuilder(partition, topic.TopicId, acceptable, configs.MinIsr, _latest.EligibleLeaderReplicasEnabled)
        {
            Election = configs.Unclean ? PartitionElection.Unclean : PartitionElection.Online,
        };
    }

    private readonly record struct TopicConfigsForReplication(int MinIsr, bool Unclean);

    /// <summary>The topic's effective min.insync.replicas and unclean.leader.election.enable (override, else the broker default).</summary>
    private TopicConfigsForReplication TopicReplicationConfigs(TopicImage topic)
    {
        var configs = Configs.TopicConfigs(_latest, topic.Configs);
        var minIsr = configs.TryGetValue(MinInsyncReplicasConfig, out var min) && int.TryParse(min, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : 1;
        var unclean = configs.TryGetValue(UncleanLeaderElectionConfig, out var value) && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
        return new TopicConfigsForReplication(minIsr, unclean);
    }
}
