using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft;

/// <summary>Inbound requests and responses.</summary>
public sealed partial class RaftReplica
{
    /// <summary>An inbound request from <paramref name="sourceId"/>; answered (now or later) with <see cref="IRaftTransport.SendResponse"/> and the same correlation id.</summary>
    public void HandleRequest(int sourceId, long correlationId, RaftRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        Advance(nowMs);
        if (request.ClusterId is not null && _options.ClusterId is not null && request.ClusterId != _options.ClusterId)
        {
            _transport.SendResponse(sourceId, correlationId, ErrorResponseFor(request, ErrorCode.InconsistentClusterId));
            return;
        }

        var response = request switch
        {
            RaftVoteRequest vote => HandleVote(vote),
            RaftBeginQuorumEpochRequest begin => HandleBeginQuorumEpoch(begin),
            RaftEndQuorumEpochRequest end => HandleEndQuorumEpoch(end),
            RaftFetchRequest fetch => HandleFetch(correlationId, fetch),
            RaftFetchSnapshotRequest fetchSnapshot => HandleFetchSnapshot(fetchSnapshot),
            RaftDescribeQuorumRequest => HandleDescribeQuorum(),
            _ => ErrorResponseFor(request, ErrorCode.InvalidRequest),
        };
        if (response is not null)
        {
            _transport.SendResponse(sourceId, correlationId, response);
        }
    }

    /// <summary>A response to a request this replica sent; stale, duplicate or unknown correlation ids are ignored.</summary>
    public void HandleResponse(int sourceId, long correlationId, RaftResponse response, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(response);
        Advance(nowMs);
        if (!_inflight.TryGetValue(correlationId, out var outbound) || outbound.Destination != sourceId)
        {
            return; // late, duplicated or from a previous role
        }

        _inflight.Remove(correlationId);

        if (correlationId == _fetchInFlight)
        {
            _fetchInFlight = -1;
        }

        if (correlationId == _snapshotFetchInFlight)
        {
            _snapshotFetchInFlight = -1;
        }

        if (response.Error is not (ErrorCode.InconsistentClusterId or ErrorCode.InvalidRequest)
            && MaybeAdvance(response.LeaderEpoch, response.LeaderId))
        {
            return;
        }

        switch (response)
        {
            case RaftVoteResponse vote:
                OnVoteResponse(sourceId, outbound, vote);
                break;
            case RaftFetchResponse fetch:
                OnFetchResponse(sourceId, fetch);
                break;
            case RaftFetchSnapshotResponse fetchSnapshot:
                OnFetchSnapshotResponse(sourceId, fetchSnapshot);
                break;
            default:
                break; // BeginQuorumEpoch / EndQuorumEpoch answers carry nothing beyond the epoch
        }
    }

    private RaftResponse ErrorResponseFor(RaftRequest request, ErrorCode error) => request switch
    {
        RaftVoteRequest => new RaftVoteResponse(error, _leaderId, _epoch, false),
        RaftBeginQuorumEpochRequest => new RaftBeginQuorumEpochResponse(error, _leaderId, _epoch),
        RaftEndQuorumEpochRequest => new RaftEndQuorumEpochResponse(error, _leaderId, _epoch),
        RaftFetchRequest => FetchError(error),
        RaftFetchSnapshotRequest snapshot => new RaftFetchSnapshotResponse(error, _leaderId, _epoch, snapshot.SnapshotId, -1, -1, ReadOnlyMemory<byte>.Empty),
        _ => new RaftDescribeQuorumResponse(error, _leaderId, _epoch, -1, [], []),
    };

    private int KnownLeader => LeaderAndEpoch.LeaderId ?? -1;

    private RaftVoteResponse HandleVote(RaftVoteRequest request)
    {
        if (!_isVoter || !_voterIds.Contains(request.CandidateId))
        {
            return new RaftVoteResponse(ErrorCode.InconsistentVoterSet, KnownLeader, _epoch, false);
        }

        if (request.CandidateEpoch < _epoch)
        {
            return new RaftVoteResponse(ErrorCode.None, KnownLeader, _epoch, false);
        }

        var logOk = _faults.VoteWithoutLogCheck
            || new OffsetAndEpoch(request.LastOffset, request.LastOffsetEpoch)
                .CompareTo(new OffsetAndEpoch(_log.EndOffset, _log.LastFetchedEpoch)) >= 0;

        if (request.PreVote)
        {
            // KIP-996: a pre-vote changes nothing here. Refuse while a leader is known to be alive
            // (a leader, or a follower that fetched within the fetch timeout), so a replica that
            // lost touch alone cannot disturb a working quorum.
            // Only a leader we actually fetched from lately counts: vouching for one we merely
            // believe in would keep replicas that lost it following a dead leader forever.
            var leaderAlive = _role == RaftRole.Leader
                || (_role == RaftRole.Follower && _now - _lastLeaderContactMs < _options.FetchTimeoutMs);
            var granted = logOk && !leaderAlive;
            return new RaftVoteResponse(ErrorCode.None, leaderAlive ? KnownLeader : -1, _epoch, granted);
        }

        if (request.CandidateEpoch > _epoch)
        {
            TransitionToUnattached(request.CandidateEpoch);
        }

        var grant = false;
        if (_role is RaftRole.Unattached or RaftRole.Prospective)
        {
            if (_votedId == request.CandidateId)
            {
                grant = true;
            }
            else if (_votedId < 0 && logOk)
            {
                _votedId = request.CandidateId;
                if (_role == RaftRole.Prospective)
                {
                    ResetRoleState();
                    _role = RaftRole.Unattached;
                    _leaderId = -1;
                }

                // Durable before the answer: a restart must not let this replica vote twice.
                Persist();
                _electionDeadline = _now + RandomElectionTimeout();
                grant = true;
            }
        }

        return new RaftVoteResponse(ErrorCode.None, KnownLeader, _epoch, grant);
    }

    private void OnVoteResponse(int sourceId, Outbound outbound, RaftVoteResponse response)
    {
        if (outbound.Round != _electionRound || response.Error != ErrorCode.None)
        {
            return;
        }

        var expected = outbound.Kind == OutboundKind.PreVote ? RaftRole.Prospective : RaftRole.Candidate;
        if (_role != expected)
        {
            return;
        }

        if (response.VoteGranted)
        {
            _granted.Add(sourceId);
            if (_granted.Count >= _majority)
            {
                if (_role == RaftRole.Prospective)
                {
                    TransitionToCandidate();
                }
                else
                {
                    TransitionToLeader();
                }
            }
        }
        else
        {
            _rejected.Add(sourceId);
            if (_rejected.Count > _voterIds.Length - _majority)
            {
                BackOffElection(); // a majority said no: no point waiting for the timeout
            }
        }
    }

    private RaftBeginQuorumEpochResponse HandleBeginQuorumEpoch(RaftBeginQuorumEpochRequest request)
    {
        if (request.LeaderEpoch < _epoch)
        {
            return new RaftBeginQuorumEpochResponse(ErrorCode.FencedLeaderEpoch, KnownLeader, _epoch);
        }

        if (request.LeaderId == NodeId)
        {
            return new RaftBeginQuorumEpochResponse(ErrorCode.InvalidRequest, KnownLeader, _epoch);
        }

        if (!_voterIds.Contains(request.LeaderId))
        {
            return new RaftBeginQuorumEpochResponse(ErrorCode.InconsistentVoterSet, KnownLeader, _epoch);
        }

        if (request.LeaderEpoch > _epoch || (_role != RaftRole.Follower && _role != RaftRole.Observer) || _leaderId != request.LeaderId)
        {
            if (_role is RaftRole.Leader or RaftRole.Resigned && request.LeaderEpoch == _epoch)
            {
                return new RaftBeginQuorumEpochResponse(ErrorCode.InvalidRequest, KnownLeader, _epoch);
            }

            TransitionToFollower(request.LeaderEpoch, request.LeaderId);
        }

        return new RaftBeginQuorumEpochResponse(ErrorCode.None, KnownLeader, _epoch);
    }

    private RaftEndQuorumEpochResponse HandleEndQuorumEpoch(RaftEndQuorumEpochRequest request)
    {
        if (!_voterIds.Contains(request.LeaderId))
        {
            return new RaftEndQuorumEpochResponse(ErrorCode.InconsistentVoterSet, KnownLeader, _epoch);
        }

        if (request.LeaderEpoch < _epoch)
        {
            return new RaftEndQuorumEpochResponse(ErrorCode.FencedLeaderEpoch, KnownLeader, _epoch);
        }

        if (request.LeaderEpoch > _epoch)
        {
            TransitionToUnattached(request.LeaderEpoch);
        }

        if (_isVoter && _role is RaftRole.Follower or RaftRole.Unattached && (_leaderId == request.LeaderId || _leaderId < 0))
        {
            // Stand soon; the best-placed successor first, the others a little later.
            var position = Math.Max(0, request.PreferredSuccessors.ToList().IndexOf(NodeId));
            ResetRoleState();
            _role = RaftRole.Unattached;
            _leaderId = -1;
            _electionDeadline = _now + position * (_options.ElectionBackoffMaxMs / Math.Max(1, _voterIds.Length))
                + _random.Next(RetryBackoffMs);
            NotifyLeaderChange();
        }

        return new RaftEndQuorumEpochResponse(ErrorCode.None, KnownLeader, _epoch);
    }

    private RaftFetchResponse FetchError(ErrorCode error) =>
        new(error, KnownLeader, _epoch, _highWatermark, _log.LogStartOffset, null, null, []);

    private RaftFetchResponse? HandleFetch(long correlationId, RaftFetchRequest request)
    {
        if (_role != RaftRole.Leader)
        {
            return FetchError(request.CurrentLeaderEpoch > _epoch ? ErrorCode.UnknownLeaderEpoch : ErrorCode.NotLeaderOrFollower);
        }

        if (request.CurrentLeaderEpoch < _epoch)
        {
            return FetchError(ErrorCode.FencedLeaderEpoch);
        }

        if (request.CurrentLeaderEpoch > _epoch)
        {
            return FetchError(ErrorCode.UnknownLeaderEpoch);
        }

        if (request.FetchOffset < 0 || request.FetchOffset > _log.EndOffset && request.LastFetchedEpoch == _epoch)
        {
            return FetchError(ErrorCode.OffsetOutOfRange);
        }

        // The fetcher below our log start needs the snapshot.
        if (request.FetchOffset < _log.LogStartOffset && _log.LatestSnapshotId is { } snapshotId)
        {
            return new RaftFetchResponse(ErrorCode.None, NodeId, _epoch, _highWatermark, _log.LogStartOffset, null, snapshotId, []);
        }

        // Is the fetcher's log a prefix of ours? Its last batch's epoch must end at or after its
        // fetch offset in our log; otherwise tell it where our logs part (DivergingEpoch).
        if (request.FetchOffset > 0 || request.LastFetchedEpoch > 0)
        {
            var ours = _log.EndOffsetForEpoch(request.LastFetchedEpoch);
            if (ours.Epoch != request.LastFetchedEpoch || ours.Offset < request.FetchOffset)
            {
                if (ours.Epoch < 0 || ours.Offset < _log.LogStartOffset)
                {
                    if (_log.LatestSnapshotId is { } snapshot)
                    {
                        return new RaftFetchResponse(ErrorCode.None, NodeId, _epoch, _highWatermark, _log.LogStartOffset, null, snapshot, []);
                    }

                    ours = new OffsetAndEpoch(0, 0);
                }

                return new RaftFetchResponse(ErrorCode.None, NodeId, _epoch, _highWatermark, _log.LogStartOffset, ours, null, []);
            }
        }

        if (_progress.TryGetValue(request.ReplicaId, out var progress))
        {
            progress.EndOffset = request.FetchOffset;
            progress.LastFetchMs = _now;
            if (request.FetchOffset >= _log.EndOffset)
            {
                progress.LastCaughtUpMs = _now;
            }

            MaybeAdvanceLeaderHighWatermark();
        }
        else if (_observers.Count < 1024 || _observers.ContainsKey(request.ReplicaId))
        {
            // Observers (brokers) for DescribeQuorum; bounded so a flood of ids cannot grow it.
            var observer = _observers.TryGetValue(request.ReplicaId, out var known) ? known : _observers[request.ReplicaId] = new ReplicaProgress();
            observer.EndOffset = request.FetchOffset;
            observer.LastFetchMs = _now;
            if (request.FetchOffset >= _log.EndOffset)
            {
                observer.LastCaughtUpMs = _now;
            }
        }

        if (request.FetchOffset >= _log.EndOffset && request.MaxWaitMs > 0)
        {
            // Nothing new: hold it until something is appended, the high watermark moves, or MaxWaitMs.
            if (_parked.Remove(request.ReplicaId, out var older))
            {
                _transport.SendResponse(request.ReplicaId, older.CorrelationId, FetchBatches(older.Request));
            }
            else if (_parked.Count >= MaxParkedFetches)
            {
                return FetchBatches(request); // bounded: answer at once rather than hold another
            }

            _parked[request.ReplicaId] = new ParkedFetch(correlationId, request, _now + Math.Min(request.MaxWaitMs, _options.FetchMaxWaitMs), _highWatermark);
            return null;
        }

        return FetchBatches(request);
    }

    private RaftFetchResponse FetchBatches(RaftFetchRequest request)
    {
        var batches = request.FetchOffset < _log.EndOffset
            ? _log.Read(request.FetchOffset, Math.Min(request.MaxBytes, _options.FetchMaxBytes))
            : [];
        return new RaftFetchResponse(ErrorCode.None, NodeId, _epoch, _highWatermark, _log.LogStartOffset, null, null, batches);
    }

    private void CompleteParkedFetches(bool force)
    {
        if (_parked.Count == 0)
        {
            return;
        }

        List<ParkedFetch>? ready = null;
        foreach (var parked in _parked.Values)
        {
            if (force || parked.Deadline <= _now || _log.EndOffset > parked.Request.FetchOffset || _highWatermark != parked.HighWatermark)
            {
                (ready ??= []).Add(parked);
            }
        }

        if (ready is null)
        {
            return;
        }

        foreach (var parked in ready)
        {
            _parked.Remove(parked.Request.ReplicaId);
            _transport.SendResponse(parked.Request.ReplicaId, parked.CorrelationId, FetchBatches(parked.Request));
        }
    }

    private void MaybeSendFetch()
    {
        if (_fetchInFlight >= 0 || _snapshotFetchInFlight >= 0 || _now < _fetchNotBefore)
        {
            return;
        }

        var destination = _leaderId;
        if (destination < 0 || destination == NodeId)
        {
            if (_role != RaftRole.Observer)
            {
                return;
            }

            destination = _voterIds[_random.Next(_voterIds.Length)]; // ask any voter who leads
        }

        if (_downloadingSnapshot is { } snapshotId)
        {
            _snapshotFetchInFlight = Send(destination, new RaftFetchSnapshotRequest(NodeId, _epoch, snapshotId, _downloadPosition, _options.FetchMaxBytes),
                OutboundKind.FetchSnapshot);
            return;
        }

        // Report only what is durable: the leader counts our fetch offset toward the majority.
        if (_log.FlushedEndOffset < _log.EndOffset && !_faults.ReplyBeforeFsync)
        {
            return; // HandleFlushCompleted → Poll sends it
        }

        _fetchInFlight = Send(destination, new RaftFetchRequest(NodeId, _options.DirectoryId, _epoch, _log.EndOffset,
            _log.LastFetchedEpoch, _options.FetchMaxWaitMs, _options.FetchMaxBytes), OutboundKind.Fetch);
    }

    private void OnFetchResponse(int sourceId, RaftFetchResponse response)
    {
        if (_role is not (RaftRole.Follower or RaftRole.Observer))
        {
            return;
        }

        if (response.Error != ErrorCode.None || sourceId != _leaderId || response.LeaderId != sourceId)
        {
            _fetchNotBefore = _now + RetryBackoffMs;
            if (_role == RaftRole.Observer && response.LeaderId < 0)
            {
                _leaderId = -1;
            }

            return;
        }

        _fetchDeadline = _now + _options.FetchTimeoutMs;
        _lastLeaderContactMs = _now;
        if (response.DivergingEpoch is { } diverging)
        {
            TruncateDivergent(diverging);
            return;
        }

        if (response.SnapshotId is { } snapshotId)
        {
            _downloadingSnapshot = snapshotId;
            _downloadPosition = 0;
            return;
        }

        var appended = false;
        foreach (var batch in response.Batches)
        {
            if (batch.BaseOffset != _log.EndOffset)
            {
                break; // not contiguous with our log (cannot happen for the fetch in flight)
            }

            _log.Append(batch);
            appended = true;
        }

        if (appended)
        {
            _log.RequestFlush();
        }

        SetFollowerHighWatermark(response.HighWatermark);
    }

    private RaftFetchSnapshotResponse HandleFetchSnapshot(RaftFetchSnapshotRequest request)
    {
        if (_role != RaftRole.Leader || request.CurrentLeaderEpoch != _epoch)
        {
            var error = _role != RaftRole.Leader ? ErrorCode.NotLeaderOrFollower
                : request.CurrentLeaderEpoch < _epoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch;
            return new RaftFetchSnapshotResponse(error, KnownLeader, _epoch, request.SnapshotId, -1, -1, ReadOnlyMemory<byte>.Empty);
        }

        var size = _log.SnapshotSize(request.SnapshotId);
        if (size < 0)
        {
            return new RaftFetchSnapshotResponse(ErrorCode.SnapshotNotFound, NodeId, _epoch, request.SnapshotId, -1, -1, ReadOnlyMemory<byte>.Empty);
        }

        if (request.Position < 0 || request.Position > size)
        {
            return new RaftFetchSnapshotResponse(ErrorCode.PositionOutOfRange, NodeId, _epoch, request.SnapshotId, size, request.Position, ReadOnlyMemory<byte>.Empty);
        }

        if (_progress.TryGetValue(request.ReplicaId, out var progress))
        {
            progress.LastFetchMs = _now;
        }

        var chunk = _log.ReadSnapshotChunk(request.SnapshotId, request.Position, Math.Clamp(request.MaxBytes, 1, _options.FetchMaxBytes));
        return new RaftFetchSnapshotResponse(ErrorCode.None, NodeId, _epoch, request.SnapshotId, size, request.Position, chunk);
    }

    private void OnFetchSnapshotResponse(int sourceId, RaftFetchSnapshotResponse response)
    {
        if (_role is not (RaftRole.Follower or RaftRole.Observer) || _downloadingSnapshot is not { } downloading)
        {
            return;
        }

        if (response.Error != ErrorCode.None || sourceId != _leaderId)
        {
            // The leader no longer has it (a newer snapshot replaced it): fetch again to learn the new id.
            _downloadingSnapshot = null;
            _fetchNotBefore = _now + RetryBackoffMs;
            return;
        }

        _fetchDeadline = _now + _options.FetchTimeoutMs;
        if (response.SnapshotId != downloading || response.Position != _downloadPosition)
        {
            return;
        }

        _log.WriteSnapshotChunk(downloading, response.Position, response.Bytes.Span);
        _downloadPosition += response.Bytes.Length;
        if (_downloadPosition < response.Size)
        {
            return;
        }

        _downloadingSnapshot = null;
        try
        {
            _log.CompleteSnapshotDownload(downloading);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or Gregor.Protocol.ProtocolException)
        {
            // A corrupt download: drop it and fetch again (the leader's answer names the snapshot anew).
            _fetchNotBefore = _now + RetryBackoffMs;
            return;
        }

        // Everything in a snapshot is committed.
        if (downloading.Offset > _highWatermark)
        {
            _highWatermark = downloading.Offset;
        }

        DeliverCommitted();
    }

    private RaftDescribeQuorumResponse HandleDescribeQuorum()
    {
        if (_role != RaftRole.Leader)
        {
            return new RaftDescribeQuorumResponse(ErrorCode.NotLeaderOrFollower, KnownLeader, _epoch, _highWatermark, [], []);
        }

        var voters = _voterIds.Select(v => v == NodeId
                ? new RaftReplicaState(v, _options.DirectoryId, _log.EndOffset, _now, _now)
                : new RaftReplicaState(v, Guid.Empty, _progress[v].EndOffset, _progress[v].LastFetchMs, _progress[v].LastCaughtUpMs))
            .ToList();
        var observers = _observers.OrderBy(o => o.Key)
            .Select(o => new RaftReplicaState(o.Key, Guid.Empty, o.Value.EndOffset, o.Value.LastFetchMs, o.Value.LastCaughtUpMs))
            .ToList();
        return new RaftDescribeQuorumResponse(ErrorCode.None, NodeId, _epoch, _highWatermark, voters, observers);
    }
}
