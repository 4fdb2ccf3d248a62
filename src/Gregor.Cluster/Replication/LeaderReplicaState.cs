using System.Collections.Immutable;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Replication;

/// <summary>
/// The leader's replication state of one partition (Kafka's Partition.scala, leader half): the
/// followers' log end offsets, the ISR as committed by the controller plus at most one change in
/// flight, the high watermark, and the decisions that follow from them.
/// <list type="bullet">
/// <item>HWM = the smallest log end offset over the <em>maximal</em> ISR (committed ISR ∪ a pending
/// addition, plus followers that are caught up and eligible but not yet in it, as Kafka since
/// KIP-966), the leader's own included. It advances only while the committed ISR has at least
/// <see cref="ReplicationOptions.MinInsyncReplicas"/> members, and never moves back.</item>
/// <item>Expansion: a follower not in the ISR whose fetch offset reaches the HWM and the start of
/// this leader's epoch, and that is eligible (registered, not fenced, not in controlled shutdown,
/// and its fetch's broker epoch is -1 or the registered one — KIP-903), is proposed for the ISR.</item>
/// <item>Shrink: ISR followers not caught up (at the leader's log end offset, or caught up within
/// <see cref="ReplicationOptions.ReplicaLagTimeMaxMs"/> by Kafka's lastCaughtUpTimeMs rule) are
/// proposed for removal by <see cref="MaybeShrinkIsr"/>.</item>
/// <item>At most one change is pending; none is proposed while one is. A newer partition image
/// or the controller's answer settles it.</item>
/// </list>
/// Sans-I/O: callers pass the time (<c>nowMs</c>) and the local log end offset; no clock,
/// thread or I/O. Not thread-safe: the caller holds the partition's lock. Created when this
/// broker becomes the partition's leader; dropped when it stops leading.
/// </summary>
public sealed class LeaderReplicaState
{
    private readonly Dictionary<int, FollowerReplicaState> _followers = [];
    private ImmutableDictionary<int, BrokerImage> _brokers;
    private ReplicationOptions _options;

    /// <param name="localBrokerId">This broker, the leader.</param>
    /// <param name="localBrokerEpoch">This broker's epoch (sent with its own ISR entry).</param>
    /// <param name="topicId">The partition's topic id.</param>
    /// <param name="partition">The image that made this broker leader (its <see cref="PartitionImage.Leader"/> must be <paramref name="localBrokerId"/>).</param>
    /// <param name="brokers">The registered brokers of the current image (eligibility).</param>
    /// <param name="logEndOffset">The local log end offset: this leader's epoch starts here.</param>
    /// <param name="highWatermark">The high watermark the log had (checkpointed or as a follower); clamped to the log end.</param>
    /// <param name="nowMs">The caller's clock.</param>
    /// <param name="options">Lag bound and min.insync.replicas.</param>
    public LeaderReplicaState(
        int localBrokerId,
        long localBrokerEpoch,
        Guid topicId,
        PartitionImage partition,
        ImmutableDictionary<int, BrokerImage> brokers,
        long logEndOffset,
        long highWatermark,
        long nowMs,
        ReplicationOptions options)
    {
        if (partition.Leader != localBrokerId)
        {
            throw new ArgumentException($"Broker {localBrokerId} is not the leader of partition {partition.Partition} (leader {partition.Leader}).", nameof(partition));
        }
        LocalBrokerId = localBrokerId;
        LocalBrokerEpoch = localBrokerEpoch;
        TopicId = topicId;
        PartitionIndex = partition.Partition;
        _brokers = brokers;
        _options = options;
        LogEndOffset = logEndOffset;
        HighWatermark = Math.Clamp(highWatermark, 0, logEndOffset);
        ApplyImage(partition, nowMs, isNewLeader: true);
        MaybeIncrementHighWatermark(nowMs);
    }

    public int LocalBrokerId { get; }

    public long LocalBrokerEpoch { get; set; }

    public Guid TopicId { get; }

    public int PartitionIndex { get; }

    public int LeaderEpoch { get; private set; }

    public int PartitionEpoch { get; private set; }

    public ImmutableArray<int> Replicas { get; private set; }

    /// <summary>The ISR the controller committed.</summary>
    public ImmutableArray<int> Isr { get; private set; }

    /// <summary>The committed ISR plus a pending addition (what the HWM waits for).</summary>
    public ImmutableArray<int> MaximalIsr =>
        PendingIsrChange is { Kind: IsrChangeKind.Expand } pending ? [.. pending.NewIsrIds] : Isr;

    /// <summary>The change sent to the controller and not yet settled, if any.</summary>
    public IsrChange? PendingIsrChange { get; private set; }

    /// <summary>The local log end offset as last passed in.</summary>
    public long LogEndOffset { get; private set; }

    /// <summary>The log end offset when this leader's epoch began: followers must reach it to join the ISR.</summary>
    public long LeaderEpochStartOffset { get; private set; }

    public long HighWatermark { get; private set; }

    public ReplicationOptions Options => _options;

    /// <summary>The followers (every replica but this one), by broker id.</summary>
    public IReadOnlyDictionary<int, FollowerReplicaState> Followers => _followers;

    /// <summary>Fewer committed ISR members than min.insync.replicas: the HWM stands still and acks=all is refused.</summary>
    public bool IsUnderMinIsr => Isr.Length < _options.MinInsyncReplicas;

    /// <summary>Whether an acks=all produce may be appended (else NOT_ENOUGH_REPLICAS, before the append).</summary>
    public bool CanAcceptAcksAll => !IsUnderMinIsr;

    /// <summary>
    /// The leader epoch check of a Fetch (follower or consumer) or OffsetForLeaderEpoch request:
    /// an older epoch is FENCED_LEADER_EPOCH, a newer one UNKNOWN_LEADER_EPOCH, -1 skips the check.
    /// </summary>
    public ErrorCode ValidateLeaderEpoch(int requestLeaderEpoch) =>
        requestLeaderEpoch < 0 || requestLeaderEpoch == LeaderEpoch ? ErrorCode.None
        : requestLeaderEpoch < LeaderEpoch ? ErrorCode.FencedLeaderEpoch
        : ErrorCode.UnknownLeaderEpoch;

    /// <summary>
    /// A follower fetched at <paramref name="fetchOffset"/> (its log end offset) and the fetch was
    /// consistent with this leader's history (the caller ran <see cref="LeaderEpochCache.CheckFollowerFetch"/>
    /// first: a diverging fetch must not update the follower's state). Records its offset and
    /// caught-up time, proposes it for the ISR if it became eligible, and advances the HWM.
    /// NOT_LEADER_OR_FOLLOWER when it is not a replica; OFFSET_OUT_OF_RANGE past the log end.
    /// </summary>
    /// <param name="replicaId">The fetching broker.</param>
    /// <param name="brokerEpoch">The broker epoch its fetch carried (ReplicaState.ReplicaEpoch; -1 when none).</param>
    /// <param name="fetchOffset">The fetch offset: the follower's log end offset.</param>
    /// <param name="nowMs">When the fetch arrived.</param>
    /// <param name="logEndOffset">The leader's log end offset when the fetch is served.</param>
    public FollowerFetchOutcome OnFollowerFetch(int replicaId, long brokerEpoch, long fetchOffset, long nowMs, long logEndOffset)
    {
        LogEndOffset = logEndOffset;
        if (!_followers.TryGetValue(replicaId, out var follower))
        {
            return new FollowerFetchOutcome(ErrorCode.NotLeaderOrFollower, false, HighWatermark, null);
        }
        if (fetchOffset < 0 || fetchOffset > logEndOffset)
        {
            return new FollowerFetchOutcome(ErrorCode.OffsetOutOfRange, false, HighWatermark, null);
        }
        var previous = follower.LogEndOffset;
        follower.UpdateFetchState(fetchOffset, nowMs, logEndOffset, brokerEpoch);
        var change = MaybeExpandIsr(follower);
        var moved = previous != fetchOffset && MaybeIncrementHighWatermark(nowMs);
        return new FollowerFetchOutcome(ErrorCode.None, moved, HighWatermark, change);
    }

    /// <summary>The leader appended locally (or its log end moved otherwise): with an ISR of one the HWM follows.</summary>
    /// <returns>Whether the HWM moved.</returns>
    public bool OnLocalAppend(long logEndOffset, long nowMs)
    {
        LogEndOffset = logEndOffset;
        return MaybeIncrementHighWatermark(nowMs);
    }

    /// <summary>
    /// The periodic ISR check (Kafka runs it every replica.lag.time.max.ms / 2): proposes removing
    /// every ISR follower that is not caught up. Null when none lag or a change is pending.
    /// </summary>
    public IsrChange? MaybeShrinkIsr(long nowMs, long logEndOffset)
    {
        LogEndOffset = logEndOffset;
        if (PendingIsrChange is not null)
        {
            return null;
        }
        List<int>? lagging = null;
        foreach (var id in Isr)
        {
            if (id != LocalBrokerId
                && _followers.TryGetValue(id, out var follower)
                && !follower.IsCaughtUp(logEndOffset, nowMs, _options.ReplicaLagTimeMaxMs))
            {
                (lagging ??= []).Add(id);
            }
        }
        if (lagging is null)
        {
            return null;
        }
        var newIsr = Isr.Where(id => !lagging.Contains(id)).ToImmutableArray();
        PendingIsrChange = Propose(IsrChangeKind.Shrink, newIsr);
        return PendingIsrChange;
    }

    /// <summary>
    /// A newer image of this partition (the controller committed a change): adopts its replicas,
    /// ISR and epochs and clears the pending change. A new leader epoch restarts this leader's
    /// epoch at <paramref name="logEndOffset"/> (the caller assigns it in its epoch cache). An image
    /// with an older or equal partition epoch and the same leader epoch is ignored.
    /// </summary>
    /// <returns>Whether the HWM moved.</returns>
    /// <exception cref="ArgumentException">The image names another leader: the caller drops this state instead.</exception>
    public bool OnPartitionImage(PartitionImage partition, ImmutableDictionary<int, BrokerImage> brokers, long nowMs, long logEndOffset)
    {
        if (partition.Leader != LocalBrokerId)
        {
            throw new ArgumentException($"Broker {LocalBrokerId} no longer leads partition {partition.Partition}.", nameof(partition));
        }
        _brokers = brokers;
        LogEndOffset = logEndOffset;
        if (partition.LeaderEpoch < LeaderEpoch
            || (partition.LeaderEpoch == LeaderEpoch && partition.PartitionEpoch <= PartitionEpoch))
        {
            return MaybeIncrementHighWatermark(nowMs);
        }
        ApplyImage(partition, nowMs, isNewLeader: false);
        return MaybeIncrementHighWatermark(nowMs);
    }

    /// <summary>The registered brokers changed (fenced, unfenced, re-registered): eligibility is re-read from them.</summary>
    public void UpdateBrokers(ImmutableDictionary<int, BrokerImage> brokers) => _brokers = brokers;

    /// <summary>The topic's min.insync.replicas (or the lag bound) changed.</summary>
    /// <returns>Whether the HWM moved.</returns>
    public bool UpdateOptions(ReplicationOptions options, long nowMs)
    {
        _options = options;
        return MaybeIncrementHighWatermark(nowMs);
    }

    /// <summary>
    /// The controller's answer to <paramref name="proposal"/> (Kafka's handleAlterPartitionUpdate /
    /// handleAlterPartitionError). On success the committed ISR and partition epoch come from the
    /// answer (ignored if older than what this state already has). The caller reads
    /// <see cref="HighWatermark"/> afterwards: an applied shrink can move it.
    /// </summary>
    public AlterPartitionResponseAction OnAlterPartitionResponse(
        IsrChange proposal,
        ErrorCode error,
        int leaderEpoch,
        int partitionEpoch,
        ImmutableArray<int> isr,
        long nowMs)
    {
        if (!ReferenceEquals(proposal, PendingIsrChange))
        {
            return AlterPartitionResponseAction.Ignored;
        }
        switch (error)
        {
            case ErrorCode.None:
                if (leaderEpoch != LeaderEpoch || partitionEpoch < PartitionEpoch)
                {
                    // An answer from another leader epoch: the image will tell the truth.
                    return AlterPartitionResponseAction.AwaitMetadata;
                }
                Isr = isr;
                PartitionEpoch = partitionEpoch;
                PendingIsrChange = null;
                MaybeIncrementHighWatermark(nowMs);
                return AlterPartitionResponseAction.Applied;
            case ErrorCode.IneligibleReplica:
            case ErrorCode.OperationNotAttempted:
                // The controller says it did not apply it: safe to go back to the committed ISR.
                PendingIsrChange = null;
                return AlterPartitionResponseAction.Reverted;
            case ErrorCode.FencedLeaderEpoch:
            case ErrorCode.InvalidUpdateVersion:
            case ErrorCode.UnknownTopicOrPartition:
            case ErrorCode.UnknownTopicId:
                return AlterPartitionResponseAction.AwaitMetadata;
            default:
                return AlterPartitionResponseAction.Retry;
        }
    }

    /// <summary>
    /// Whether an acks=all produce whose last offset is <paramref name="requiredOffset"/> − 1 is
    /// done (Kafka's checkEnoughReplicasReachOffset): complete once the HWM reaches
    /// <paramref name="requiredOffset"/> — with NOT_ENOUGH_REPLICAS_AFTER_APPEND if the committed
    /// ISR is then below min.insync.replicas.
    /// </summary>
    public (bool Complete, ErrorCode Error) CheckAcksAll(long requiredOffset) =>
        HighWatermark >= requiredOffset
            ? (true, IsUnderMinIsr ? ErrorCode.NotEnoughReplicasAfterAppend : ErrorCode.None)
            : (false, ErrorCode.None);

    private void ApplyImage(PartitionImage partition, long nowMs, bool isNewLeader)
    {
        var newEpoch = isNewLeader || partition.LeaderEpoch > LeaderEpoch;
        if (newEpoch)
        {
            LeaderEpochStartOffset = LogEndOffset;
        }
        LeaderEpoch = partition.LeaderEpoch;
        PartitionEpoch = partition.PartitionEpoch;
        Replicas = partition.Replicas;
        Isr = partition.Isr;
        PendingIsrChange = null;
        foreach (var id in _followers.Keys.Where(id => !partition.Replicas.Contains(id)).ToList())
        {
            _followers.Remove(id);
        }
        foreach (var id in partition.Replicas)
        {
            if (id == LocalBrokerId)
            {
                continue;
            }
            var created = false;
            if (!_followers.TryGetValue(id, out var follower))
            {
                follower = new FollowerReplicaState(id);
                _followers[id] = follower;
                created = true;
            }
            if (newEpoch || created)
            {
                follower.Reset(nowMs, LogEndOffset, isNewLeader: isNewLeader || created, isInSync: partition.Isr.Contains(id));
            }
        }
    }

    private IsrChange? MaybeExpandIsr(FollowerReplicaState follower)
    {
        if (PendingIsrChange is not null
            || Isr.Contains(follower.BrokerId)
            || follower.LogEndOffset < HighWatermark
            || follower.LogEndOffset < LeaderEpochStartOffset
            || !IsEligible(follower))
        {
            return null;
        }
        PendingIsrChange = Propose(IsrChangeKind.Expand, Isr.Add(follower.BrokerId));
        return PendingIsrChange;
    }

    private bool IsEligible(FollowerReplicaState follower)
    {
        if (_options.Faults.AdmitIneligibleReplicas)
        {
            return true;
        }
        if (follower.BrokerEpoch is not { } fetchEpoch || !_brokers.TryGetValue(follower.BrokerId, out var broker))
        {
            return false;
        }
        return !broker.Fenced && !broker.InControlledShutdown && (fetchEpoch == -1 || fetchEpoch == broker.Epoch);
    }

    private IsrChange Propose(IsrChangeKind kind, ImmutableArray<int> newIsr) =>
        new(TopicId, PartitionIndex, kind, LeaderEpoch, PartitionEpoch,
            [.. newIsr.Select(id => new IsrMember(id, id == LocalBrokerId ? LocalBrokerEpoch
                : _followers.TryGetValue(id, out var f) && f.BrokerEpoch is { } epoch ? epoch : -1))]);

    private bool MaybeIncrementHighWatermark(long nowMs)
    {
        if (IsUnderMinIsr)
        {
            return false;
        }
        var newHighWatermark = LogEndOffset;
        if (!_options.Faults.HighWatermarkIsMax)
        {
            var maximal = MaximalIsr;
            foreach (var follower in _followers.Values)
            {
                if (follower.LogEndOffset < newHighWatermark
                    && (maximal.Contains(follower.BrokerId)
                        || (follower.IsCaughtUp(LogEndOffset, nowMs, _options.ReplicaLagTimeMaxMs) && IsEligible(follower))))
                {
                    newHighWatermark = follower.LogEndOffset;
                }
            }
        }
        if (newHighWatermark <= HighWatermark)
        {
            return false;
        }
        HighWatermark = newHighWatermark;
        return true;
    }
}
