using Gregor.Cluster.Configs;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// The KRaft quorum controller (KIP-631) as a sans-I/O state machine, Kafka's QuorumController
/// without its event queue. Events in — an admin request, a broker registration or heartbeat, a
/// committed <see cref="RaftBatch"/>, a snapshot load, a leader change, a timer
/// <see cref="Tick"/> — and actions out: records appended through
/// <see cref="IRaftClient.ScheduleAtomicAppend"/>, and replies (callbacks) completed once the
/// offset that carries them commits. Single-threaded and synchronous: every method, and every
/// reply callback, runs on the one thread that drives the Raft client.
/// <para>State: <see cref="Committed"/> is the replay of the committed log; <see cref="Latest"/>
/// is that plus every batch this controller appended that has not committed yet. Requests are
/// validated against <see cref="Latest"/> (as Kafka's timeline data structures do), so two
/// creates of one topic in flight conflict; on losing leadership <see cref="Latest"/> reverts to
/// <see cref="Committed"/> and every waiting reply gets NOT_CONTROLLER.</para>
/// <para>Activation: a new leader first appends a NoOpRecord (FeatureLevelRecord on an empty
/// log) and defers requests until it commits — then every entry of earlier epochs has been
/// replayed, whatever the Raft client's notification order. A reply without records still waits
/// until everything appended before it has committed, so no reply reveals uncommitted state.</para>
/// <para>Time comes only from the injected <see cref="TimeProvider"/>, randomness (topic ids,
/// placement) only from the injected <see cref="Random"/>.</para>
/// </summary>
public sealed partial class ControllerCore : IRaftListener
{
    public const string MetadataVersionFeature = "metadata.version";

    /// <summary>Kafka 3.9's metadata.version (3.9-IV0); Gregor reads records at these versions.</summary>
    public const short MetadataVersionLevel = 21;

    private const string NotControllerMessage = "This node is not the active controller.";

    private readonly ControllerCoreOptions _options;
    private readonly IRaftClient _raft;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly Queue<PendingReply> _pendingReplies = new();
    private readonly List<RaftBatch> _uncommitted = [];
    private readonly Queue<Action> _deferred = new();
    private readonly Dictionary<int, long> _lastContactMs = [];
    private MetadataImage _committed;
    private MetadataImage _latest;
    private long _committedOffset = -1;
    private long _lastWriteOffset = -1;
    private long _activationOffset = -1;
    private ControllerState _state = ControllerState.Inactive;
    private int _activeEpoch = -1;

    public ControllerCore(ControllerCoreOptions options, IRaftClient raft, TimeProvider time, Random random, ILogger? logger = null)
    {
        _options = options;
        _raft = raft;
        _time = time;
        _random = random;
        _logger = logger ?? NullLogger.Instance;
        Configs = new EffectiveConfigs(options.NodeId, options.StaticBrokerConfigs);
        _committed = MetadataImage.Empty(options.ClusterId, options.NodeId);
        _latest = _committed;
    }

    private enum ControllerState
    {
        Inactive,
        Activating,
        Active,
    }

    private readonly record struct PendingReply(long Offset, Action Complete, Action Fail);

    /// <summary>True once this node leads the quorum and has replayed everything before its epoch.</summary>
    public bool IsActive => _state == ControllerState.Active;

    /// <summary>The epoch this controller writes in while active (-1 otherwise).</summary>
    public int ActiveEpoch => _state == ControllerState.Inactive ? -1 : _activeEpoch;

    /// <summary>The replay of the committed log.</summary>
    public MetadataImage Committed => _committed;

    /// <summary>The committed state plus this controller's uncommitted appends: what requests are validated against.</summary>
    public MetadataImage Latest => _latest;

    public long CommittedOffset => _committedOffset;

    /// <summary>Replies waiting for their offset to commit.</summary>
    public int PendingReplies => _pendingReplies.Count;

    /// <summary>Static configs under the dynamic ones of the latest image: gives topics their defaults.</summary>
    public EffectiveConfigs Configs { get; }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    // ---- Raft events ----

    public void HandleCommit(RaftBatch batch)
    {
        if (batch.LastOffset <= _committedOffset)
        {
            return; // delivered twice (a replayed prefix): already applied
        }
        var builder = new MetadataImageBuilder(_committed);
        if (batch.IsControl)
        {
            builder.AdvanceTo(batch.LastOffset);
        }
        else
        {
            builder.ApplyBatch(batch.BaseOffset, batch.LastOffset, batch.Records);
        }
        _committed = builder.Build();
        _committedOffset = batch.LastOffset;
        var ours = _uncommitted.Count > 0 && _uncommitted[0].BaseOffset == batch.BaseOffset && _uncommitted[0].LastOffset == batch.LastOffset;
        _uncommitted.RemoveAll(b => b.LastOffset <= _committedOffset);
        if (_uncommitted.Count == 0)
        {
            _latest = _committed;
        }
        else if (!ours)
        {
            RebuildLatest();
        }
        CompleteCommitted();
    }

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
        var image = MetadataImageRecords.Read(_options.ClusterId, _options.NodeId, snapshot.LastContained.Offset, snapshot.Records);
        if (_state != ControllerState.Inactive && snapshot.LastContained.Offset >= _committedOffset)
        {
            // The leader's own log was cleaned below this listener: its node's metadata loader,
            // registered first, snapshotted committed batches this core had not been handed yet.
            // The snapshot is the committed state at its end, so it commits up to there like
            // those batches would have; renouncing here would leave the Raft leader without an
            // active controller until the next election (found by the controller simulation).
            _committed = image;
            _committedOffset = snapshot.LastContained.Offset;
            _uncommitted.RemoveAll(b => b.LastOffset <= _committedOffset);
            if (_uncommitted.Count == 0)
            {
                _latest = _committed;
            }
            else
            {
                RebuildLatest();
            }
            CompleteCommitted();
            return;
        }
        if (_state != ControllerState.Inactive)
        {
            // A snapshot behind what this controller already applied cannot come from its own log; start over.
            Renounce();
        }
        _committed = image;
        _committedOffset = snapshot.LastContained.Offset;
        _latest = _committed;
        _uncommitted.Clear();
    }

    // The committed offset advanced: activation completes once the barrier commits, and the
    // replies waiting for offsets up to it are sent.
    private void CompleteCommitted()
    {
        if (_state == ControllerState.Activating && _committedOffset >= _activationOffset)
        {
            _state = ControllerState.Active;
            LogActivated(_activeEpoch, _committedOffset);
            while (_deferred.TryDequeue(out var request) && _state == ControllerState.Active)
            {
                request();
            }
        }
        while (_pendingReplies.TryPeek(out var pending) && pending.Offset <= _committedOffset)
        {
            _pendingReplies.Dequeue();
            pending.Complete();
        }
    }

    public void HandleLeaderChange(LeaderAndEpoch leader)
    {
        if (leader.LeaderId == _options.NodeId)
        {
            if (_state != ControllerState.Inactive && _activeEpoch == leader.Epoch)
            {
                return;
            }
            if (_state != ControllerState.Inactive)
            {
                Renounce();
            }
            Claim(leader.Epoch);
        }
        else if (_state != ControllerState.Inactive)
        {
            Renounce();
        }
    }

    /// <summary>
    /// Time passed: fences every unfenced broker whose session expired (no heartbeat within
    /// broker.session.timeout.ms), moving its leaderships and ISR memberships away, and every
    /// leader.imbalance.check.interval rebalances preferred leaders (auto.leader.rebalance.enable).
    /// Call at least every <see cref="NextDeadlineMs"/>.
    /// </summary>
    public void Tick()
    {
        if (_state != ControllerState.Active)
        {
            return;
        }
        var now = NowMs;
        foreach (var broker in _latest.Brokers.Values.OrderBy(b => b.NodeId).ToList())
        {
            if (!_lastContactMs.TryGetValue(broker.NodeId, out var last))
            {
                // Registered by an entry replayed after this controller claimed: its session starts now.
                _lastContactMs[broker.NodeId] = last = now;
            }
            if (!broker.Fenced && now - last > _options.BrokerSessionTimeoutMs)
            {
                // One batch per fenced broker (Kafka's maybeFenceOneStaleBroker): the next one's
                // elections then see this one's, so no partition gets two changes from one state.
                LogSessionExpired(broker.NodeId, broker.Epoch);
                var fence = new List<MetadataRecord>();
                Fence(_latest.Brokers[broker.NodeId], fence);
                if (Append(fence) < 0)
                {
                    return;
                }
            }
        }
        var records = new List<MetadataRecord>();
        MaybeBalanceLeaders(now, records);
        if (records.Count > 0)
        {
            Append(records);
        }
    }

    /// <summary>The earliest time (ms) at which <see cref="Tick"/> has something to do; long.MaxValue when nothing.</summary>
    public long NextDeadlineMs
    {
        get
        {
            if (_state != ControllerState.Active)
            {
                return long.MaxValue;
            }
            var next = _options.AutoLeaderRebalanceEnable ? _nextLeaderBalanceMs : long.MaxValue;
            foreach (var broker in _latest.Brokers.Values)
            {
                if (!broker.Fenced && _lastContactMs.TryGetValue(broker.NodeId, out var last))
                {
                    next = Math.Min(next, last + _options.BrokerSessionTimeoutMs + 1);
                }
            }
            return next;
        }
    }

    // ---- write machinery ----

    private void Claim(int epoch)
    {
        _activeEpoch = epoch;
        _state = ControllerState.Activating;
        _latest = _committed;
        _uncommitted.Clear();
        _lastWriteOffset = _committedOffset;
        // A new controller gives every registered broker a fresh session (as Kafka does):
        // heartbeats sent to the old one are unknown here.
        var now = NowMs;
        _lastContactMs.Clear();
        _controlledShutdownOffsets.Clear();
        _nextLeaderBalanceMs = now + _options.LeaderImbalanceCheckIntervalMs;
        foreach (var id in _committed.Brokers.Keys)
        {
            _lastContactMs[id] = now;
        }
        MetadataRecord barrier = _committed.FeatureLevels.ContainsKey(MetadataVersionFeature)
            ? new NoOpRecord()
            : new FeatureLevelRecord(MetadataVersionFeature, MetadataVersionLevel);
        _activationOffset = Append([barrier]);
        if (_activationOffset >= 0)
        {
            LogClaimed(epoch, _activationOffset);
        }
    }

    private void Renounce()
    {
        LogRenounced(_activeEpoch, _committedOffset, _pendingReplies.Count + _deferred.Count);
        _state = ControllerState.Inactive;
        _activeEpoch = -1;
        _latest = _committed;
        _uncommitted.Clear();
        _lastContactMs.Clear();
        var deferred = _deferred.ToArray();
        _deferred.Clear();
        var pending = _pendingReplies.ToArray();
        _pendingReplies.Clear();
        foreach (var reply in pending)
        {
            reply.Fail();
        }
        foreach (var request in deferred)
        {
            request(); // not active any more: answers NOT_CONTROLLER
        }
    }

    /// <summary>Appends one batch in the active epoch and applies it to <see cref="Latest"/>; -1 (and renounced) when Raft refuses.</summary>
    private long Append(IReadOnlyList<MetadataRecord> records)
    {
        long last;
        try
        {
            last = _raft.ScheduleAtomicAppend(_activeEpoch, records);
        }
        catch (NotLeaderException)
        {
            Renounce();
            return -1;
        }
        _lastWriteOffset = Math.Max(_lastWriteOffset, last);
        if (last <= _committedOffset)
        {
            return last; // the Raft client committed it synchronously: already replayed
        }
        var batch = new RaftBatch(last - records.Count + 1, last, _activeEpoch, NowMs, records);
        _uncommitted.Add(batch);
        var builder = new MetadataImageBuilder(_latest);
        builder.ApplyBatch(batch.BaseOffset, batch.LastOffset, records);
        _latest = builder.Build();
        return last;
    }

    private void RebuildLatest()
    {
        var builder = new MetadataImageBuilder(_committed);
        foreach (var batch in _uncommitted)
        {
            builder.ApplyBatch(batch.BaseOffset, batch.LastOffset, batch.Records);
        }
        _latest = builder.Build();
    }

    /// <summary>
    /// Runs one request: NOT_CONTROLLER unless active (deferred while activating); otherwise
    /// <paramref name="generate"/> validates against <see cref="Latest"/> and returns the records
    /// and the reply, which is sent once those records — or, without records, everything
    /// appended before — have committed.
    /// </summary>
    private void Write<T>(Action<T> reply, Func<ErrorCode, string, T> failed, Func<(IReadOnlyList<MetadataRecord> Records, T Result)> generate)
    {
        if (_state == ControllerState.Activating && _deferred.Count < _options.MaxDeferredRequests)
        {
            _deferred.Enqueue(() => Write(reply, failed, generate));
            return;
        }
        T NotController() => failed(ErrorCode.NotController, NotControllerMessage);
        if (_state != ControllerState.Active)
        {
            reply(NotController());
            return;
        }
        var (records, result) = generate();
        if (records.Count > _options.MaxRecordsPerBatch)
        {
            // One request is one atomic batch, and Raft bounds a batch (Kafka's MAX_RECORDS_PER_USER_OP).
            reply(failed(ErrorCode.PolicyViolation, $"Unable to perform excessively large batch operation: {records.Count} records, at most {_options.MaxRecordsPerBatch}."));
            return;
        }
        var offset = _lastWriteOffset;
        if (records.Count > 0)
        {
            offset = Append(records);
            if (offset < 0)
            {
                reply(NotController());
                return;
            }
        }
        if (offset <= _committedOffset)
        {
            reply(result);
            return;
        }
        _pendingReplies.Enqueue(new PendingReply(offset, () => reply(result), () => reply(NotController())));
    }

    private static (IReadOnlyList<MetadataRecord>, T) Reply<T>(T result) => ([], result);

    /// <summary>A fresh id from the injected PRNG (Kafka's Uuid.randomUuid: version 4, never the zero or metadata-topic id).</summary>
    internal Guid NewUuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            _random.NextBytes(bytes);
            bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
            bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
            var id = new Guid(bytes, bigEndian: true);
            // Kafka also refuses ids whose base64 starts with '-' (first 6 bits all ones).
            if (id != Guid.Empty && id != MetadataTopicId && (bytes[0] & 0xfc) != 0xf8)
            {
                return id;
            }
        }
    }

    /// <summary>The topic id of __cluster_metadata (AAAAAAAAAAAAAAAAAAAAAQ).</summary>
    internal static readonly Guid MetadataTopicId = new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], bigEndian: true);

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed controller leadership in epoch {Epoch}; activation record at offset {Offset}")]
    private partial void LogClaimed(int epoch, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Active controller in epoch {Epoch} at committed offset {Offset}")]
    private partial void LogActivated(int epoch, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Renounced controller leadership of epoch {Epoch} at committed offset {Offset}; {Failed} requests answered NOT_CONTROLLER")]
    private partial void LogRenounced(int epoch, long offset, int failed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker {BrokerId} (epoch {BrokerEpoch}) missed its session timeout: fencing it")]
    private partial void LogSessionExpired(int brokerId, long brokerEpoch);
}
