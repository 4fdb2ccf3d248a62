using System.Collections.Immutable;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Replication;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// A partition this node hosts, as its leader or as a follower: its log, leader epoch, replica
/// assignment and high watermark, and the hook that tells the replica manager's purgatories when
/// they moved.
/// <para>
/// As the leader of a single-replica partition it is a cluster of one: the ISR is {self} and the
/// high watermark advances to the log end offset as soon as an append returns (under the storage
/// flush policy that is the durable point). As the leader of a replicated partition it keeps a
/// <see cref="LeaderReplicaState"/> (the replication core): the followers' fetch positions move the high watermark
/// (min log end offset over the ISR, only while the ISR has at least min.insync.replicas members)
/// and propose ISR changes. As a follower it takes appends from its replica fetcher as received
/// bytes, truncates a divergent tail, and follows the leader's high watermark; clients reading or
/// writing get NOT_LEADER_OR_FOLLOWER. The last stable offset equals the high watermark (no
/// transactions yet).
/// </para>
/// <para>
/// Lifecycle: created by <see cref="ReplicaManager"/> when the metadata image places a replica on
/// this node, switched between leader and follower in place as images change, removed (and its
/// delayed operations re-checked) when the replica leaves this node. Thread-safety: appends may run
/// concurrently (the log serialises writes and, in group-commit mode, batches concurrent appenders
/// into one fsync); the high watermark only moves forward while the role stays, and never covers
/// bytes the leader has not made durable. Reads run concurrently with appends and with each other.
/// Role changes and the replication state are guarded by one lock per partition.
/// </para>
/// </summary>
public sealed class Partition : IDisposable
{
    // Append ends waiting for the high watermark, so consumers' delayed fetches count bytes only
    // once they are visible. Bounded: past this many the newest entry absorbs further appends.
    private const int MaxPendingVisible = 4096;

    private readonly Action<Partition>? _positionChanged;
    private readonly Lock _lock = new();
    private readonly Queue<(long EndOffset, long Bytes)> _pendingVisible = new();
    private long _highWatermark;
    private long _visibleBytes;
    private long _recordsAppended;
    private long _bytesAppended;
    private long _bytesFetched;
    private long _leaderEpochStartOffset;
    private volatile int _leaderEpoch;
    private volatile bool _removed;
    private volatile bool _isLeader = true;
    private volatile PartitionImage? _replicas;
    private LeaderReplicaState? _replication;
    private int _minInsyncReplicas = 1;
    private ProduceLimits _limits;

    // positionChanged: called after the high watermark advanced, the leader epoch or role changed
    // or the partition went away; the replica manager re-checks the delayed operations watching it.
    public Partition(TopicPartition topicPartition, Guid topicId, int leaderEpoch, IReplicaLog log, ProduceLimits limits, Action<Partition>? positionChanged = null)
    {
        _positionChanged = positionChanged;
        TopicPartition = topicPartition;
        TopicId = topicId;
        Log = log;
        _leaderEpoch = leaderEpoch;
        _limits = limits;
        // Everything recovered from disk was acknowledged by the only replica.
        _highWatermark = log.LogEndOffset;
        _leaderEpochStartOffset = log.LogEndOffset;
    }

    public TopicPartition TopicPartition { get; }

    public Guid TopicId { get; }

    public IReplicaLog Log { get; }

    public int LeaderEpoch => _leaderEpoch;

    public bool IsRemoved => _removed;

    /// <summary>True while this node leads the partition; false as a follower.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The assignment last applied (null for a partition opened without one: a single-node leader).</summary>
    public PartitionImage? Replicas => _replicas;

    /// <summary>The ISR this leader computes the high watermark over (committed ISR plus pending additions); {self} for a single replica.</summary>
    public IReadOnlyList<int> InSyncReplicas
    {
        get
        {
            lock (_lock)
            {
                return _replication is { } replication ? replication.MaximalIsr : _replicas is { } image ? image.Isr : [];
            }
        }
    }

    /// <summary>The topic's min.insync.replicas as last applied.</summary>
    public int MinInsyncReplicas => Volatile.Read(ref _minInsyncReplicas);

    /// <summary>What producers may append (batch size, timestamp bounds), from topic and broker configs.</summary>
    public ProduceLimits Limits => Volatile.Read(ref _limits);

    /// <summary>Largest batch (bytes) a producer may append: topic max.message.bytes or broker message.max.bytes.</summary>
    public int MaxMessageBytes => Limits.MaxMessageBytes;

    public long HighWatermark => Interlocked.Read(ref _highWatermark);

    public long LastStableOffset => HighWatermark;

    public long LogStartOffset => Log.LogStartOffset;

    public long LogEndOffset => Log.LogEndOffset;

    /// <summary>
    /// The log end offset when this node became leader in the current epoch. Until the high
    /// watermark reaches it, the new leader does not know what was committed before it took over:
    /// ListOffsets answers OFFSET_NOT_AVAILABLE (KIP-207).
    /// </summary>
    public long LeaderEpochStartOffset => Interlocked.Read(ref _leaderEpochStartOffset);

    /// <summary>
    /// Record bytes appended below the high watermark since this partition was opened: a position
    /// in bytes that only grows. A delayed fetch subtracts the value it saw before its read to learn
    /// how many bytes became readable since, without reading them.
    /// </summary>
    public long VisibleBytes => Interlocked.Read(ref _visibleBytes);

    /// <summary>Records appended since this partition was opened (per-topic MessagesIn, read at scrape time).</summary>
    public long RecordsAppended => Interlocked.Read(ref _recordsAppended);

    /// <summary>
    /// Record bytes appended since this partition was opened (per-topic BytesIn); followers' delayed
    /// fetches count from it, as they read up to the log end, not the high watermark.
    /// </summary>
    public long BytesAppended => Interlocked.Read(ref _bytesAppended);

    /// <summary>Record bytes returned to fetchers since this partition was opened (per-topic BytesOut).</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    // Plain counters rather than tagged instruments: the hot path pays one interlocked add and
    // the per-topic sums are made when metrics are collected.
    internal void CountFetched(long bytes) => Interlocked.Add(ref _bytesFetched, bytes);

    /// <summary>
    /// Applies a new epoch of a partition this node keeps leading with the same assignment kind
    /// (single-node images and tests). Replicated partitions go through <see cref="BecomeLeader"/>.
    /// </summary>
    internal void UpdateLeadership(int leaderEpoch)
    {
        if (_leaderEpoch != leaderEpoch)
        {
            _leaderEpoch = leaderEpoch;
            _positionChanged?.Invoke(this);
        }
    }

    /// <summary>
    /// Applies the image's view of a partition this node leads: a new leader epoch starts a new
    /// leadership (replication state from scratch, the epoch starts at the log end); the same epoch
    /// with a newer partition epoch is an ISR change that landed. A single-replica partition keeps
    /// no replication state: its high watermark follows the local appends, as before replication.
    /// </summary>
    internal void BecomeLeader(PartitionImage image, ImmutableDictionary<int, BrokerImage> brokers, int localId, long localBrokerEpoch, ReplicationOptions options, long nowMs)
    {
        bool changed;
        lock (_lock)
        {
            Volatile.Write(ref _minInsyncReplicas, options.MinInsyncReplicas);
            var newLeadership = !_isLeader || image.LeaderEpoch != _leaderEpoch || _replicas is null;
            var wasSingle = _replicas is null || _replicas.Replicas.Length <= 1;
            _replicas = image;
            changed = newLeadership;
            if (image.Replicas.Length <= 1)
            {
                _replication = null;
                if (newLeadership && !wasSingle)
                {
                    Interlocked.Exchange(ref _leaderEpochStartOffset, Log.LogEndOffset);
                    AdvanceHighWatermark(Log.LogEndOffset);
                    PublishVisible(long.MaxValue);
                }
            }
            else if (newLeadership || _replication is null)
            {
                Interlocked.Exchange(ref _leaderEpochStartOffset, Log.LogEndOffset);
                _pendingVisible.Clear();
                _replication = new LeaderReplicaState(localId, localBrokerEpoch, TopicId, image, brokers, Log.LogEndOffset, HighWatermark, nowMs, options);
                changed |= TryAdvanceHighWatermark(_replication.HighWatermark);
            }
            else
            {
                _replication.LocalBrokerEpoch = localBrokerEpoch;
                _replication.UpdateBrokers(brokers);
                _replication.UpdateOptions(options, nowMs);
                _replication.OnPartitionImage(image, brokers, nowMs, Log.LogEndOffset);
                changed |= TryAdvanceHighWatermark(_replication.HighWatermark);
            }
            _isLeader = true;
            _leaderEpoch = image.LeaderEpoch;
        }
        if (changed)
        {
            _positionChanged?.Invoke(this);
        }
    }

    /// <summary>
    /// Makes this replica a follower of <paramref name="view"/>'s leader: producers and consumers
    /// get NOT_LEADER_OR_FOLLOWER from now on (waiting acks=all produces complete with it), and the
    /// replica fetcher feeds the log. The log is not truncated here: the first fetch's DivergingEpoch
    /// says where it diverges.
    /// </summary>
    internal void BecomeFollower(PartitionImage view)
    {
        bool changed;
        lock (_lock)
        {
            changed = _isLeader || view.LeaderEpoch != _leaderEpoch;
            _isLeader = false;
            _replication = null;
            _replicas = view;
            _leaderEpoch = view.LeaderEpoch;
        }
        if (changed)
        {
            _positionChanged?.Invoke(this);
        }
    }

    internal void UpdateLimits(ProduceLimits limits) => Volatile.Write(ref _limits, limits);

    /// <summary>
    /// The controller's answer to an ISR change this leader proposed (Kafka's
    /// handleAlterPartitionUpdate / handleAlterPartitionError); what to do next.
    /// </summary>
    public AlterPartitionResponseAction OnAlterPartitionResponse(IsrChange proposal, ErrorCode error, int leaderEpoch, int partitionEpoch, ImmutableArray<int> isr, long nowMs)
    {
        bool moved;
        AlterPartitionResponseAction action;
        lock (_lock)
        {
            if (_replication is null || !_isLeader)
            {
                return AlterPartitionResponseAction.Ignored;
            }
            action = _replication.OnAlterPartitionResponse(proposal, error, leaderEpoch, partitionEpoch, isr, nowMs);
            moved = TryAdvanceHighWatermark(_replication.HighWatermark);
        }
        if (moved)
        {
            _positionChanged?.Invoke(this);
        }
        return action;
    }

    /// <summary>Whether <paramref name="proposal"/> is still the change this leader waits on (retries stop otherwise).</summary>
    public bool IsPending(IsrChange proposal)
    {
        lock (_lock)
        {
            return _isLeader && !_removed && ReferenceEquals(_replication?.PendingIsrChange, proposal);
        }
    }

    /// <summary>Sets the high watermark read back from the replication-offset checkpoint (clamped to the log).</summary>
    internal void RestoreHighWatermark(long checkpointed)
    {
        lock (_lock)
        {
            var value = Math.Clamp(checkpointed, Log.LogStartOffset, Log.LogEndOffset);
            Interlocked.Exchange(ref _highWatermark, value);
        }
    }

    /// <summary>
    /// Checks the leader epoch a client believes current (-1 = no check), as Kafka does for
    /// fetch, list offsets and offset-for-leader-epoch.
    /// </summary>
    public ErrorCode CheckLeaderEpoch(int requestEpoch)
    {
        if (requestEpoch < 0)
        {
            return ErrorCode.None;
        }
        var current = _leaderEpoch;
        return requestEpoch < current ? ErrorCode.FencedLeaderEpoch
            : requestEpoch > current ? ErrorCode.UnknownLeaderEpoch
            : ErrorCode.None;
    }

    /// <summary>
    /// Whether an acks=all produce may append: the ISR has at least min.insync.replicas members
    /// (NOT_ENOUGH_REPLICAS otherwise, Kafka's check before the append).
    /// </summary>
    public bool HasEnoughInsyncReplicas
    {
        get
        {
            lock (_lock)
            {
                return _replication is null ? MinInsyncReplicas <= 1 || (_replicas?.Isr.Length ?? 1) >= MinInsyncReplicas
                    : _replication.CanAcceptAcksAll;
            }
        }
    }

    /// <summary>
    /// Appends the batch <see cref="ProduceRecordsValidator"/> validated, advances the high
    /// watermark and re-checks the delayed operations watching it. Throws
    /// <see cref="KafkaException"/> for producer-state and log errors (NOT_LEADER_OR_FOLLOWER on a follower).
    /// </summary>
    public async ValueTask<LogAppendResult> AppendAsync(ReadOnlyMemory<byte> records, ValidatedBatch batch, CancellationToken cancellationToken)
    {
        ThrowIfRemoved();
        ThrowIfNotLeader();
        var epoch = _leaderEpoch;
        var result = await Log.AppendAsLeaderAsync(records, batch, epoch, cancellationToken).ConfigureAwait(false);
        // An append returns once durable per the flush policy, and a durable offset implies every
        // earlier offset is durable (one file, appended in order).
        Interlocked.Add(ref _recordsAppended, batch.RecordCount);
        var appended = Interlocked.Add(ref _bytesAppended, records.Length);
        bool replicated;
        lock (_lock)
        {
            replicated = _replication is not null;
            if (replicated)
            {
                QueueVisible(result.LastOffset + 1, appended);
                _replication!.OnLocalAppend(Math.Max(result.LastOffset + 1, _replication.LogEndOffset), Environment.TickCount64);
                TryAdvanceHighWatermark(_replication.HighWatermark);
            }
        }
        if (!replicated)
        {
            Interlocked.Add(ref _visibleBytes, records.Length);
            AdvanceHighWatermark(result.LastOffset + 1);
        }
        _positionChanged?.Invoke(this);
        return result;
    }

    /// <summary>
    /// Reads for a consumer: whole batches from <paramref name="fetchOffset"/> below the high
    /// watermark. Throws <see cref="KafkaException"/> (OFFSET_OUT_OF_RANGE, NOT_LEADER_OR_FOLLOWER on a follower).
    /// </summary>
    public FetchedRecords? Read(long fetchOffset, int maxBytes, bool minOneMessage)
    {
        ThrowIfRemoved();
        ThrowIfNotLeader();
        var highWatermark = HighWatermark;
        CheckFetchOffset(fetchOffset);
        if (fetchOffset >= highWatermark || maxBytes <= 0 && !minOneMessage)
        {
            return null;
        }
        return Log.Read(fetchOffset, maxBytes, highWatermark, minOneMessage);
    }

    /// <summary>
    /// Serves a follower's fetch as leader (Kafka's Partition.fetchRecords from a follower): checks
    /// the follower is a replica and its epochs; when its last fetched epoch is not in this log up to
    /// its fetch offset, answers the diverging epoch (the follower truncates, KIP-320/595 style) and
    /// reads nothing; otherwise records the follower's position (which may move the high watermark
    /// or propose an ISR expansion) and reads whole batches up to the log end.
    /// </summary>
    public ReplicaFetchRead ReadForFollower(int replicaId, long replicaEpoch, long fetchOffset, int lastFetchedEpoch, int maxBytes, bool minOneMessage, long nowMs)
    {
        ThrowIfRemoved();
        ThrowIfNotLeader();
        var view = _replicas;
        if (view is not null && view.Replicas.Length <= 1 && _replication is null)
        {
            view = null;
        }
        if (view is null || !view.Replicas.Contains(replicaId))
        {
            throw new KafkaException(ErrorCode.NotLeaderOrFollower, $"node {replicaId} is not a replica of {TopicPartition}");
        }
        if (lastFetchedEpoch >= 0)
        {
            var (epoch, endOffset) = EndOffsetForEpoch(lastFetchedEpoch);
            if (epoch < lastFetchedEpoch || endOffset < fetchOffset)
            {
                return new ReplicaFetchRead(null, (epoch, endOffset), null);
            }
        }
        CheckFetchOffset(fetchOffset);
        IsrChange? proposal = null;
        var moved = false;
        lock (_lock)
        {
            if (_replication is not null)
            {
                // The durable end: a follower's position never makes the high watermark cover bytes
                // this leader's own flush has not finished (the appends in flight are ahead of it).
                var outcome = _replication.OnFollowerFetch(replicaId, replicaEpoch, fetchOffset, nowMs, Math.Max(_replication.LogEndOffset, Math.Min(fetchOffset, Log.LogEndOffset)));
                if (outcome.Error != ErrorCode.None)
                {
                    throw new KafkaException(outcome.Error, $"follower fetch of {TopicPartition} from node {replicaId} at {fetchOffset}");
                }
                moved = TryAdvanceHighWatermark(outcome.HighWatermark);
                proposal = outcome.IsrChange;
            }
        }
        if (moved)
        {
            _positionChanged?.Invoke(this);
        }
        var records = maxBytes <= 0 && !minOneMessage ? null : Log.Read(fetchOffset, maxBytes, Log.LogEndOffset, minOneMessage);
        return new ReplicaFetchRead(records, null, proposal);
    }

    /// <summary>An ISR shrink the leader should propose now (followers not caught up for replica.lag.time.max.ms), or null.</summary>
    internal IsrChange? MaybeShrinkIsr(long nowMs)
    {
        lock (_lock)
        {
            return _isLeader && !_removed ? _replication?.MaybeShrinkIsr(nowMs, _replication.LogEndOffset) : null;
        }
    }

    /// <summary>
    /// Appends batches fetched from the leader in <paramref name="leaderEpoch"/> as received, then
    /// follows the leader's high watermark (never past the local log end). False when this replica
    /// is no longer a follower of that epoch (the response is stale and dropped).
    /// </summary>
    internal async ValueTask<bool> AppendAsFollowerAsync(int leaderEpoch, ReadOnlyMemory<byte> records, long leaderHighWatermark, CancellationToken cancellationToken)
    {
        if (_removed || _isLeader || _leaderEpoch != leaderEpoch)
        {
            return false;
        }
        if (!records.IsEmpty)
        {
            await Log.AppendAsFollowerAsync(records, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _bytesAppended, records.Length);
        }
        lock (_lock)
        {
            if (_isLeader)
            {
                return false;
            }
            var target = Math.Min(leaderHighWatermark, Log.LogEndOffset);
            if (target > HighWatermark)
            {
                Interlocked.Exchange(ref _highWatermark, target);
            }
        }
        return true;
    }

    /// <summary>Truncates a follower's log to <paramref name="offset"/> (divergence); the high watermark never exceeds the log end.</summary>
    internal bool TruncateAsFollower(int leaderEpoch, long offset, bool fully)
    {
        lock (_lock)
        {
            if (_removed || _isLeader || _leaderEpoch != leaderEpoch)
            {
                return false;
            }
            if (fully)
            {
                Log.TruncateFullyAndStartAt(offset);
            }
            else
            {
                Log.TruncateTo(offset);
            }
            var end = Log.LogEndOffset;
            if (HighWatermark > end)
            {
                Interlocked.Exchange(ref _highWatermark, end);
            }
            return true;
        }
    }

    /// <summary>Advances the log start offset for DeleteRecords; -1 means the high watermark.</summary>
    public long DeleteRecordsBefore(long offset)
    {
        ThrowIfRemoved();
        ThrowIfNotLeader();
        var highWatermark = HighWatermark;
        if (offset == -1)
        {
            offset = highWatermark;
        }
        if (offset < 0 || offset > highWatermark)
        {
            throw new KafkaException(
                ErrorCode.OffsetOutOfRange,
                $"cannot delete records before {offset}: high watermark of {TopicPartition} is {highWatermark}");
        }
        return offset <= Log.LogStartOffset ? Log.LogStartOffset : Log.DeleteRecordsBefore(offset);
    }

    /// <summary>
    /// End offset of <paramref name="epoch"/> (OffsetForLeaderEpoch). From the log's epoch
    /// checkpoint when it keeps one; otherwise the current epoch ends at LEO and a later one is
    /// unknown (-1, -1) as in Kafka.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetForEpoch(int epoch)
    {
        ThrowIfRemoved();
        var current = _leaderEpoch;
        if (epoch > current)
        {
            return (-1, -1);
        }
        if (Log.EndOffsetForEpoch(epoch) is { } fromCheckpoint)
        {
            return fromCheckpoint;
        }
        return (current, Log.LogEndOffset);
    }

    /// <summary>Marks the partition gone (topic deleted, replica moved); waiting fetches return.</summary>
    internal void MarkRemoved()
    {
        _removed = true;
        _positionChanged?.Invoke(this);
    }

    private void CheckFetchOffset(long fetchOffset)
    {
        var logStart = Log.LogStartOffset;
        var logEnd = Log.LogEndOffset;
        if (fetchOffset < logStart || fetchOffset > logEnd)
        {
            throw new KafkaException(
                ErrorCode.OffsetOutOfRange,
                $"fetch offset {fetchOffset} is outside [{logStart}, {logEnd}] of {TopicPartition}");
        }
    }

    // Caller holds _lock (replicated partitions): moves the HWM and publishes the bytes it made visible.
    private bool TryAdvanceHighWatermark(long candidate)
    {
        if (candidate <= HighWatermark)
        {
            return false;
        }
        Interlocked.Exchange(ref _highWatermark, candidate);
        PublishVisible(candidate);
        return true;
    }

    // Caller holds _lock.
    private void QueueVisible(long endOffset, long bytesAppendedAfter)
    {
        if (endOffset <= HighWatermark)
        {
            Interlocked.Exchange(ref _visibleBytes, bytesAppendedAfter);
            return;
        }
        if (_pendingVisible.Count >= MaxPendingVisible)
        {
            // Bounded: drop the entry instead; the next one published covers these bytes too.
            return;
        }
        _pendingVisible.Enqueue((endOffset, bytesAppendedAfter));
    }

    // Caller holds _lock.
    private void PublishVisible(long highWatermark)
    {
        long? visible = null;
        while (_pendingVisible.TryPeek(out var next) && next.EndOffset <= highWatermark)
        {
            visible = _pendingVisible.Dequeue().Bytes;
        }
        if (highWatermark == long.MaxValue)
        {
            visible = BytesAppended;
        }
        if (visible is { } bytes && bytes > VisibleBytes)
        {
            Interlocked.Exchange(ref _visibleBytes, bytes);
        }
    }

    private void AdvanceHighWatermark(long candidate)
    {
        var current = Interlocked.Read(ref _highWatermark);
        while (candidate > current)
        {
            var seen = Interlocked.CompareExchange(ref _highWatermark, candidate, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private void ThrowIfRemoved()
    {
        if (_removed)
        {
            throw new KafkaException(ErrorCode.NotLeaderOrFollower, $"{TopicPartition} is no longer hosted here");
        }
    }

    private void ThrowIfNotLeader()
    {
        if (!_isLeader)
        {
            throw new KafkaException(ErrorCode.NotLeaderOrFollower, $"this node is a follower of {TopicPartition}");
        }
    }

    public void Dispose()
    {
        MarkRemoved();
        Log.Dispose();
    }
}
