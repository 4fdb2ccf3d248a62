using Gregor.Cluster.Raft.Messages;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Raft;

/// <summary>
/// The sans-I/O KRaft replica (KIP-595 + KIP-996 PreVote + KIP-630 snapshots; a static voter set).
/// Events in — <see cref="HandleRequest"/>, <see cref="HandleResponse"/>,
/// <see cref="HandleFlushCompleted"/>, <see cref="Poll"/> (timers) and the
/// <see cref="IRaftClient"/> calls — actions out through the injected <see cref="IRaftTransport"/>,
/// <see cref="IRaftLog"/>, <see cref="IQuorumStateStore"/> and the registered listeners. Time is
/// whatever the driver passes as <c>nowMs</c> (the core never reads a clock) and randomness comes
/// from the injected seeded <see cref="Random"/>, so one seed replays one run exactly.
/// <para>Driving contract: single-threaded; after every event call <see cref="Poll"/> with the same
/// time and call it again no later than the deadline it returns.</para>
/// <para>Safety rules kept here: the quorum state is durable before any reply or request that
/// depends on it (the store's write is synchronous); a follower reports in Fetch only what is
/// fsynced; the leader counts only its fsynced end; the high watermark is the majority's durable
/// end and moves only once it passes the leader's own epoch start (its LeaderChange batch); a
/// follower truncates only on the leader's DivergingEpoch; the leader resigns when no majority
/// fetched within the fetch timeout.</para>
/// </summary>
public sealed partial class RaftReplica : IRaftClient
{
    private const int RetryBackoffMs = 100; // Kafka's retry.backoff.ms
    private const int MaxParkedFetches = 1024; // one per fetching replica; ids come from the wire

    private readonly RaftOptions _options;
    private readonly IRaftLog _log;
    private readonly IQuorumStateStore _store;
    private readonly IRaftTransport _transport;
    private readonly Random _random;
    private readonly RaftFaults _faults;
    private readonly int[] _voterIds;
    private readonly bool _isVoter;
    private readonly int _majority;
    private readonly List<ListenerState> _listeners = [];

    private long _now;
    private RaftRole _role;
    private int _epoch;
    private int _leaderId = -1;
    private int _votedId = -1;
    private long _highWatermark = -1;
    private long _nextCorrelationId;
    private bool _delivering;
    private bool _redeliver;

    // Timers: absolute ms, long.MaxValue = off.
    private long _electionDeadline = long.MaxValue;
    private long _fetchDeadline = long.MaxValue;
    private long _checkQuorumDeadline = long.MaxValue;
    private long _fetchNotBefore;
    private long _lastLeaderContactMs = long.MinValue / 2;
    private bool _announceResignation;

    private readonly Dictionary<long, Outbound> _inflight = [];
    private long _fetchInFlight = -1;
    private long _snapshotFetchInFlight = -1;
    private OffsetAndEpoch? _downloadingSnapshot;
    private long _downloadPosition;
    private int _electionRound;
    private readonly HashSet<int> _granted = [];
    private readonly HashSet<int> _rejected = [];

    // Leader state.
    private long _epochStartOffset = -1;
    private readonly Dictionary<int, ReplicaProgress> _progress = [];
    private readonly Dictionary<int, ReplicaProgress> _observers = [];
    private readonly Dictionary<int, ParkedFetch> _parked = [];

    public RaftReplica(RaftOptions options, IRaftLog log, IQuorumStateStore stateStore, IRaftTransport transport,
        Random random, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(stateStore);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(random);
        if (options.Voters.Count == 0)
        {
            throw new ArgumentException("the voter set is empty", nameof(options));
        }

        _options = options;
        _log = log;
        _store = stateStore;
        _transport = transport;
        _random = random;
        _faults = options.Faults;
        _voterIds = [.. options.Voters.Select(v => v.NodeId).Distinct().Order()];
        _isVoter = _voterIds.Contains(options.NodeId);
        _majority = _voterIds.Length / 2 + 1;
        NodeId = options.NodeId;
        _now = nowMs;

        // A process crash leaves appends in the page cache that were never fsynced (and whose
        // completion will never come): fsync them now, or a follower waiting for its log to be
        // durable before fetching again would never fetch.
        if (log.FlushedEndOffset < log.EndOffset)
        {
            log.RequestFlush();
        }

        var state = stateStore.Read() ?? QuorumStateData.Initial;
        _epoch = state.LeaderEpoch;
        _votedId = state.VotedId;
        if (!_isVoter)
        {
            _role = RaftRole.Observer;
            _leaderId = state.LeaderId;
        }
        else if (state.LeaderId == NodeId)
        {
            // A restarted leader cannot resume: its in-memory follower progress is gone. It stays
            // out of its own epoch (Kafka's ResignedState) until a new leader is found or it stands.
            _role = RaftRole.Resigned;
            _leaderId = NodeId;
            _electionDeadline = nowMs + RandomElectionTimeout();
            _announceResignation = true; // tell the followers, or they wait a fetch timeout (and vouch for us meanwhile)
        }
        else if (state.LeaderId >= 0)
        {
            _role = RaftRole.Follower;
            _leaderId = state.LeaderId;
            _fetchDeadline = nowMs + _options.FetchTimeoutMs;
        }
        else
        {
            _role = RaftRole.Unattached;
            _electionDeadline = nowMs + RandomElectionTimeout();
        }
    }

    public int NodeId { get; }

    public RaftRole Role => _role;

    public int Epoch => _epoch;

    public int VotedId => _votedId;

    public LeaderAndEpoch LeaderAndEpoch =>
        new(_leaderId >= 0 && _role is RaftRole.Leader or RaftRole.Follower or RaftRole.Observer ? _leaderId : null, _epoch);

    public long HighWatermark => _highWatermark;

    /// <summary>The offset of the leader's LeaderChange batch in its epoch (-1 when not leader).</summary>
    public long EpochStartOffset => _role == RaftRole.Leader ? _epochStartOffset : -1;

    public IReadOnlyList<int> Voters => _voterIds;

    /// <summary>Runs every timer due at <paramref name="nowMs"/>; returns the absolute time of the next one.</summary>
    public long Poll(long nowMs)
    {
        Advance(nowMs);
        ExpireRequests();
        switch (_role)
        {
            case RaftRole.Unattached:
            case RaftRole.Resigned:
                if (_announceResignation && _role == RaftRole.Resigned)
                {
                    _announceResignation = false;
                    SendEndQuorumEpoch([.. _voterIds.Where(v => v != NodeId)]);
                }

                if (nowMs >= _electionDeadline)
                {
                    TransitionToProspective();
                }

                break;
            case RaftRole.Prospective:
            case RaftRole.Candidate:
                if (nowMs >= _electionDeadline)
                {
                    // Lost (or no answer): back off a random while before asking again, so two
                    // replicas that timed out together do not split the vote forever.
                    BackOffElection();
                }

                break;
            case RaftRole.Follower:
                if (nowMs >= _fetchDeadline)
                {
                    TransitionToProspective();
                }
                else
                {
                    MaybeSendFetch();
                }

                break;
            case RaftRole.Observer:
                MaybeSendFetch();
                break;
            case RaftRole.Leader:
                PollLeader();
                break;
        }

        return NextDeadline();
    }

    /// <summary>The transport could not deliver request <paramref name="correlationId"/> (connection refused/closed); optional, timeouts cover it.</summary>
    public void HandleRequestFailed(int destinationId, long correlationId, long nowMs)
    {
        Advance(nowMs);
        if (_inflight.Remove(correlationId, out var outbound) && outbound.Destination == destinationId)
        {
            OnRequestGivenUp(correlationId, outbound);
        }
    }

    /// <summary>An fsync requested with <see cref="IRaftLog.RequestFlush"/> finished; <see cref="IRaftLog.FlushedEndOffset"/> has advanced.</summary>
    public void HandleFlushCompleted(long nowMs)
    {
        Advance(nowMs);
        if (_role == RaftRole.Leader)
        {
            MaybeAdvanceLeaderHighWatermark();
        }
    }

    public void Register(IRaftListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _listeners.Add(new ListenerState(listener));
        DeliverCommitted();
    }

    public long ScheduleAtomicAppend(int epoch, IReadOnlyList<MetadataRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (_role != RaftRole.Leader || epoch != _epoch)
        {
            throw new NotLeaderException(LeaderAndEpoch, epoch);
        }

        if (records.Count == 0 || records.Count > _options.MaxRecordsPerBatch)
        {
            throw new ArgumentException($"a batch holds 1 to {_options.MaxRecordsPerBatch} records, not {records.Count}", nameof(records));
        }

        var batch = new RaftLogBatch(_log.EndOffset, _epoch, _now, records);
        AppendAsLeader(batch);
        return batch.LastOffset;
    }

    public void CreateSnapshot(OffsetAndEpoch lastContained, long lastContainedLogTimeMs, IReadOnlyList<MetadataRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (lastContained.Offset >= _highWatermark)
        {
            throw new ArgumentException($"snapshot end {lastContained.Offset} is not committed (high watermark {_highWatermark})", nameof(lastContained));
        }

        if (_log.LatestSnapshotId is { } latest && latest.Offset > lastContained.Offset)
        {
            return; // an equal or newer snapshot exists already
        }

        _log.WriteSnapshot(new RaftSnapshot(lastContained, lastContainedLogTimeMs, records));
    }

    public void Resign(int epoch)
    {
        if (_role == RaftRole.Leader && epoch == _epoch)
        {
            TransitionToResigned();
        }
    }

    private void Advance(long nowMs)
    {
        if (nowMs > _now)
        {
            _now = nowMs;
        }
    }

    private int RandomElectionTimeout() => _options.ElectionTimeoutMs + _random.Next(_options.ElectionTimeoutMs);

    private long NextDeadline()
    {
        var next = long.MaxValue;
        switch (_role)
        {
            case RaftRole.Unattached or RaftRole.Resigned or RaftRole.Prospective or RaftRole.Candidate:
                next = _electionDeadline;
                break;
            case RaftRole.Follower:
                next = _fetchDeadline;
                if (_fetchInFlight < 0 && _snapshotFetchInFlight < 0 && _fetchNotBefore > _now)
                {
                    next = Math.Min(next, _fetchNotBefore);
                }

                break;
            case RaftRole.Observer:
                if (_fetchInFlight < 0 && _snapshotFetchInFlight < 0)
                {
                    // An observer that found no one to ask tries again after a back-off.
                    next = Math.Max(_fetchNotBefore, _now + RetryBackoffMs);
                }

                break;
            case RaftRole.Leader:
                next = _checkQuorumDeadline;
                foreach (var parked in _parked.Values)
                {
                    next = Math.Min(next, parked.Deadline);
                }

                break;
        }

        foreach (var outbound in _inflight.Values)
        {
            next = Math.Min(next, outbound.Deadline);
        }

        return next;
    }

    private long Send(int destination, RaftRequest request, OutboundKind kind)
    {
        var correlationId = ++_nextCorrelationId;
        _inflight[correlationId] = new Outbound(destination, kind, _now + _options.RequestTimeoutMs, _electionRound);
        _transport.SendRequest(destination, correlationId, request with { ClusterId = _options.ClusterId });
        return correlationId;
    }

    private void ExpireRequests()
    {
        List<long>? expired = null;
        foreach (var (id, outbound) in _inflight)
        {
            if (outbound.Deadline <= _now)
            {
                (expired ??= []).Add(id);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (var id in expired)
        {
            if (_inflight.Remove(id, out var outbound))
            {
                OnRequestGivenUp(id, outbound);
            }
        }
    }

    private void OnRequestGivenUp(long correlationId, Outbound outbound)
    {
        if (correlationId == _fetchInFlight)
        {
            _fetchInFlight = -1;
            if (_role == RaftRole.Observer && outbound.Destination == _leaderId)
            {
                _leaderId = -1; // ask another voter who leads
            }
        }
        else if (correlationId == _snapshotFetchInFlight)
        {
            _snapshotFetchInFlight = -1;
            _fetchNotBefore = _now + RetryBackoffMs;
        }
        else if (outbound.Kind == OutboundKind.BeginQuorumEpoch && _role == RaftRole.Leader
            && _progress.TryGetValue(outbound.Destination, out var progress) && progress.LastFetchMs < 0)
        {
            // Not fetched yet in this epoch: ask again at once (stale voters are also re-asked from PollLeader).
            Send(outbound.Destination, new RaftBeginQuorumEpochRequest(NodeId, _epoch, outbound.Destination, Guid.Empty),
                OutboundKind.BeginQuorumEpoch);
        }
    }

    private enum OutboundKind
    {
        Vote,
        PreVote,
        BeginQuorumEpoch,
        EndQuorumEpoch,
        Fetch,
        FetchSnapshot,
    }

    private readonly record struct Outbound(int Destination, OutboundKind Kind, long Deadline, int Round);

    private sealed class ReplicaProgress
    {
        public long EndOffset = -1;
        public long LastFetchMs = -1;
        public long LastCaughtUpMs = -1;
    }

    private readonly record struct ParkedFetch(long CorrelationId, RaftFetchRequest Request, long Deadline, long HighWatermark);

    private sealed class ListenerState(IRaftListener listener)
    {
        public IRaftListener Listener { get; } = listener;
        public long NextOffset;
        public LeaderAndEpoch? Notified;
    }
}
