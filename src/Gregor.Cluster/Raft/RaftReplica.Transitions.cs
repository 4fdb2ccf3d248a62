using Gregor.Cluster.Raft.Messages;

namespace Gregor.Cluster.Raft;

/// <summary>State transitions, elections, leader bookkeeping and listener delivery.</summary>
public sealed partial class RaftReplica
{
    private void Persist() =>
        _store.Write(new QuorumStateData(_epoch, _leaderId, _votedId, Guid.Empty));

    private void ResetRoleState()
    {
        _inflight.Clear();
        _fetchInFlight = -1;
        _snapshotFetchInFlight = -1;
        _downloadingSnapshot = null;
        _downloadPosition = 0;
        _granted.Clear();
        _rejected.Clear();
        _electionRound++;
        _electionDeadline = long.MaxValue;
        _fetchDeadline = long.MaxValue;
        _checkQuorumDeadline = long.MaxValue;
        _fetchNotBefore = 0;
        if (_parked.Count > 0)
        {
            // Tell parked fetchers at once that this replica no longer leads.
            var parked = _parked.Values.ToList();
            _parked.Clear();
            foreach (var fetch in parked)
            {
                _transport.SendResponse(fetch.Request.ReplicaId, fetch.CorrelationId, FetchError(Gregor.Protocol.Errors.ErrorCode.NotLeaderOrFollower));
            }
        }

        _progress.Clear();
        _observers.Clear();
        _epochStartOffset = -1;
    }

    /// <summary>
    /// Moves to what a message from epoch <paramref name="epoch"/> naming <paramref name="leaderId"/>
    /// tells: a higher epoch always wins; in the current epoch a replica without a leader learns it.
    /// Returns true if the state changed.
    /// </summary>
    private bool MaybeAdvance(int epoch, int leaderId)
    {
        if (epoch > _epoch)
        {
            if (leaderId >= 0 && leaderId != NodeId)
            {
                TransitionToFollower(epoch, leaderId);
            }
            else
            {
                TransitionToUnattached(epoch);
            }

            return true;
        }

        // In the current epoch a replica without a leader learns it; a prospective told that the
        // leader it lost touch with is still alive follows it again (KIP-996).
        if (epoch == _epoch && leaderId >= 0 && leaderId != NodeId
            && (_role is RaftRole.Unattached or RaftRole.Prospective or RaftRole.Candidate
                || (_role == RaftRole.Observer && _leaderId != leaderId)))
        {
            TransitionToFollower(epoch, leaderId);
            return true;
        }

        return false;
    }

    private void TransitionToUnattached(int epoch)
    {
        var votedId = epoch == _epoch ? _votedId : -1;
        ResetRoleState();
        _epoch = epoch;
        _leaderId = -1;
        _votedId = votedId;
        _role = _isVoter ? RaftRole.Unattached : RaftRole.Observer;
        if (_isVoter)
        {
            Persist();
            _electionDeadline = _now + RandomElectionTimeout();
        }

        NotifyLeaderChange();
    }

    private void TransitionToFollower(int epoch, int leaderId)
    {
        var votedId = epoch == _epoch ? _votedId : -1;
        ResetRoleState();
        _epoch = epoch;
        _leaderId = leaderId;
        _votedId = votedId;
        if (_isVoter)
        {
            _role = RaftRole.Follower;
            Persist();
            _fetchDeadline = _now + _options.FetchTimeoutMs;
            _lastLeaderContactMs = long.MinValue / 2; // no fetch from this leader has succeeded yet
        }
        else
        {
            _role = RaftRole.Observer;
        }

        NotifyLeaderChange();
    }

    private void TransitionToProspective()
    {
        var wasLeaderKnown = LeaderAndEpoch.LeaderId is not null;
        var leaderId = _leaderId;
        ResetRoleState();
        _role = RaftRole.Prospective;
        // Remember who we followed so a pre-vote answer naming it can send us back (KIP-996).
        _leaderId = leaderId == NodeId ? -1 : leaderId;
        _granted.Add(NodeId);
        _electionDeadline = _now + RandomElectionTimeout();
        if (wasLeaderKnown)
        {
            NotifyLeaderChange();
        }

        if (_granted.Count >= _majority)
        {
            TransitionToCandidate();
            return;
        }

        foreach (var voter in _voterIds)
        {
            if (voter != NodeId)
            {
                Send(voter, VoteRequestFor(voter, _epoch + 1, preVote: true), OutboundKind.PreVote);
            }
        }
    }

    private void TransitionToCandidate()
    {
        ResetRoleState();
        _epoch++;
        _leaderId = -1;
        _votedId = NodeId;
        _role = RaftRole.Candidate;
        Persist();
        _granted.Add(NodeId);
        _electionDeadline = _now + RandomElectionTimeout();
        NotifyLeaderChange();
        if (_granted.Count >= _majority)
        {
            TransitionToLeader();
            return;
        }

        foreach (var voter in _voterIds)
        {
            if (voter != NodeId)
            {
                Send(voter, VoteRequestFor(voter, _epoch, preVote: false), OutboundKind.Vote);
            }
        }
    }

    private RaftVoteRequest VoteRequestFor(int voter, int epoch, bool preVote) =>
        new(epoch, NodeId, _options.DirectoryId, voter, Guid.Empty, _log.LastFetchedEpoch, _log.EndOffset, preVote);

    private void BackOffElection()
    {
        ResetRoleState();
        _role = RaftRole.Unattached;
        _leaderId = -1;
        _electionDeadline = _now + _random.Next(_options.ElectionBackoffMaxMs + 1);
    }

    private void TransitionToLeader()
    {
        var granting = _granted.Order().ToList();
        ResetRoleState();
        _role = RaftRole.Leader;
        _leaderId = NodeId;
        Persist();
        _epochStartOffset = _log.EndOffset;
        foreach (var voter in _voterIds)
        {
            _progress[voter] = new ReplicaProgress();
        }

        _checkQuorumDeadline = _now + _options.FetchTimeoutMs;
        AppendAsLeader(new RaftLogBatch(_log.EndOffset, _epoch, _now, [],
            new LeaderChangeControlRecord(NodeId, _voterIds, granting)));
        foreach (var voter in _voterIds)
        {
            if (voter != NodeId)
            {
                Send(voter, new RaftBeginQuorumEpochRequest(NodeId, _epoch, voter, Guid.Empty), OutboundKind.BeginQuorumEpoch);
            }
        }

        // Listeners hear of the leadership once they have replayed up to the epoch start.
        DeliverCommitted();
    }

    private void TransitionToResigned()
    {
        var successors = _voterIds.Where(v => v != NodeId)
            .OrderByDescending(v => _progress.TryGetValue(v, out var p) ? p.EndOffset : -1)
            .ThenBy(v => v)
            .ToList();
        ResetRoleState();
        _role = RaftRole.Resigned;
        _electionDeadline = _now + RandomElectionTimeout();
        SendEndQuorumEpoch(successors);
        NotifyLeaderChange();
    }

    private void SendEndQuorumEpoch(List<int> successors)
    {
        foreach (var voter in successors)
        {
            Send(voter, new RaftEndQuorumEpochRequest(NodeId, _epoch, successors), OutboundKind.EndQuorumEpoch);
        }
    }

    private void AppendAsLeader(RaftLogBatch batch)
    {
        _log.Append(batch);
        _log.RequestFlush();
        if (_faults.ReplyBeforeFsync || _voterIds.Length == 1)
        {
            MaybeAdvanceLeaderHighWatermark();
        }

        CompleteParkedFetches(force: false);
    }

    private void PollLeader()
    {
        var majorityFetch = MajorityValue(v => v == NodeId ? _now : _progress[v].LastFetchMs);
        var lastContact = Math.Max(majorityFetch, _checkQuorumDeadline - _options.FetchTimeoutMs);
        _checkQuorumDeadline = lastContact + _options.FetchTimeoutMs;
        if (_now >= _checkQuorumDeadline)
        {
            if (!_faults.LeaderNeverResigns)
            {
                TransitionToResigned();
                return;
            }

            _checkQuorumDeadline = _now + _options.FetchTimeoutMs;
        }

        // A voter that has not fetched lately may sit in a higher epoch it could not win (PreVote
        // keeps it from disturbing us, so it never sends a real Vote): keep telling it who leads;
        // its answer carries its epoch and makes this leader step down (as Kafka's leader
        // re-sends BeginQuorumEpoch, KIP-853).
        foreach (var voter in _voterIds)
        {
            if (voter != NodeId && _progress[voter].LastFetchMs < _now - _options.FetchTimeoutMs
                && !_inflight.Values.Any(o => o.Kind == OutboundKind.BeginQuorumEpoch && o.Destination == voter))
            {
                Send(voter, new RaftBeginQuorumEpochRequest(NodeId, _epoch, voter, Guid.Empty), OutboundKind.BeginQuorumEpoch);
            }
        }

        CompleteParkedFetches(force: false);
    }

    /// <summary>The value a majority of voters has reached: the (majority)-th largest.</summary>
    private long MajorityValue(Func<int, long> valueOf)
    {
        Span<long> values = stackalloc long[_voterIds.Length];
        for (var i = 0; i < _voterIds.Length; i++)
        {
            values[i] = valueOf(_voterIds[i]);
        }

        values.Sort();
        return values[_voterIds.Length - _majority];
    }

    private void MaybeAdvanceLeaderHighWatermark()
    {
        if (_role != RaftRole.Leader)
        {
            return;
        }

        long ownEnd = _faults.ReplyBeforeFsync ? _log.EndOffset : _log.FlushedEndOffset;
        var candidate = _faults.CommitWithoutMajority
            ? ownEnd
            : MajorityValue(v => v == NodeId ? ownEnd : _progress[v].EndOffset);
        // Only an offset past the leader's own LeaderChange batch commits by counting; everything
        // before it commits with it.
        if (candidate > _epochStartOffset && candidate > _highWatermark)
        {
            _highWatermark = candidate;
            DeliverCommitted();
            CompleteParkedFetches(force: false);
        }
    }

    private void SetFollowerHighWatermark(long leaderHighWatermark)
    {
        var candidate = Math.Min(leaderHighWatermark, _log.EndOffset);
        if (candidate > _highWatermark)
        {
            _highWatermark = candidate;
            DeliverCommitted();
        }
    }

    private void NotifyLeaderChange()
    {
        foreach (var listener in _listeners)
        {
            MaybeNotifyLeader(listener);
        }
    }

    private void MaybeNotifyLeader(ListenerState state)
    {
        var current = LeaderAndEpoch;
        if (state.Notified == current)
        {
            return;
        }

        if (_role == RaftRole.Leader && state.NextOffset <= _epochStartOffset)
        {
            return; // not yet replayed everything before this leader's epoch
        }

        state.Notified = current;
        state.Listener.HandleLeaderChange(current);
    }

    /// <summary>Hands every listener the committed batches it has not seen (a snapshot first if it is behind the log start).</summary>
    private void DeliverCommitted()
    {
        if (_delivering)
        {
            _redeliver = true; // a callback moved things on: the outer call goes round again
            return;
        }

        _delivering = true;
        try
        {
            do
            {
                _redeliver = false;
                DeliverToEachListener();
            }
            while (_redeliver);
        }
        finally
        {
            _delivering = false;
        }
    }

    private void DeliverToEachListener()
    {
        // A listener callback may append (the controller) or register.
        for (var i = 0; i < _listeners.Count; i++)
        {
            var state = _listeners[i];
            if (state.NextOffset < _log.LogStartOffset || (state.NextOffset == 0 && _log.LatestSnapshotId is not null))
            {
                var snapshot = _log.ReadLatestSnapshot();
                if (snapshot is not null && state.NextOffset < snapshot.SnapshotId.Offset)
                {
                    state.Listener.HandleLoadSnapshot(snapshot);
                    state.NextOffset = snapshot.SnapshotId.Offset;
                }
            }

            while (state.NextOffset < _highWatermark && state.NextOffset >= _log.LogStartOffset)
            {
                var batches = _log.Read(state.NextOffset, _options.FetchMaxBytes);
                var delivered = false;
                foreach (var batch in batches)
                {
                    if (batch.LastOffset >= _highWatermark || batch.BaseOffset != state.NextOffset)
                    {
                        break;
                    }

                    state.Listener.HandleCommit(batch.ToCommitted());
                    state.NextOffset = batch.NextOffset;
                    delivered = true;
                }

                if (!delivered)
                {
                    break;
                }
            }

            MaybeNotifyLeader(state);
        }
    }

    private void TruncateDivergent(OffsetAndEpoch diverging)
    {
        long truncation;
        if (diverging.Epoch == 0)
        {
            truncation = Math.Min(diverging.Offset, _log.EndOffset);
        }
        else
        {
            var local = _log.EndOffsetForEpoch(diverging.Epoch);
            truncation = local.Epoch == diverging.Epoch ? Math.Min(local.Offset, diverging.Offset) : local.Offset;
        }

        if (truncation < _log.LogStartOffset)
        {
            truncation = _log.LogStartOffset;
        }

        if (truncation < _log.EndOffset)
        {
            _log.TruncateTo(truncation);
        }
    }
}
