using Gregor.Protocol.Errors;

namespace Gregor.Broker.Shares;

/// <summary>
/// The share sessions of this broker, one per (group, member), at most
/// <see cref="ShareGroupOptions.MaxShareSessions"/> (one more is SHARE_SESSION_LIMIT_REACHED; an epoch-0
/// request of a member that has a session replaces it). Thread-safe: one lock; the caller acts on
/// a session (records, acknowledgements) outside it.
/// </summary>
public sealed class ShareSessionCache(int maxSessions)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Group, string Member), ShareSession> _sessions = [];

    public int MaxSessions { get; } = maxSessions;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>
    /// Opens a session for (group, member), replacing (and returning as <c>Replaced</c>) the member's
    /// earlier one. SHARE_SESSION_LIMIT_REACHED when the cache is full.
    /// </summary>
    public (ErrorCode Error, ShareSession? Session, ShareSession? Replaced) Open(string groupId, string memberId, string connectionId)
    {
        lock (_lock)
        {
            _sessions.Remove((groupId, memberId), out var replaced);
            if (_sessions.Count >= MaxSessions)
            {
                if (replaced is not null)
                {
                    _sessions[(groupId, memberId)] = replaced;
                }
                return (ErrorCode.ShareSessionLimitReached, null, null);
            }
            var session = new ShareSession(groupId, memberId, connectionId);
            _sessions[(groupId, memberId)] = session;
            return (ErrorCode.None, session, replaced);
        }
    }

    /// <summary>
    /// The member's session when <paramref name="epoch"/> is the one it expects, advancing it:
    /// SHARE_SESSION_NOT_FOUND without a session, INVALID_SHARE_SESSION_EPOCH for another epoch.
    /// Epoch −1 (close) is accepted for any open session and removes it.
    /// </summary>
    public (ErrorCode Error, ShareSession? Session) Advance(string groupId, string memberId, int epoch)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue((groupId, memberId), out var session))
            {
                return (ErrorCode.ShareSessionNotFound, null);
            }
            if (epoch == -1)
            {
                _sessions.Remove((groupId, memberId));
                return (ErrorCode.None, session);
            }
            if (epoch != session.NextEpoch)
            {
                return (ErrorCode.InvalidShareSessionEpoch, null);
            }
            session.NextEpoch = epoch == int.MaxValue ? 1 : epoch + 1;
            return (ErrorCode.None, session);
        }
    }

    /// <summary>Adds and forgets partitions of a session (under the cache lock: sessions are shared with the close path).</summary>
    public IReadOnlyList<(Guid TopicId, int Partition)> UpdatePartitions(ShareSession session, IEnumerable<(Guid, int)> added, IEnumerable<(Guid, int)> forgotten)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_lock)
        {
            foreach (var partition in forgotten)
            {
                session.Partitions.Remove(partition);
            }
            foreach (var partition in added)
            {
                if (!session.Partitions.Contains(partition))
                {
                    session.Partitions.Add(partition);
                }
            }
            return [.. session.Partitions];
        }
    }

    /// <summary>Removes <paramref name="session"/> if it is still the member's session; true when it was.</summary>
    public bool Remove(ShareSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_lock)
        {
            if (_sessions.TryGetValue((session.GroupId, session.MemberId), out var current) && ReferenceEquals(current, session))
            {
                _sessions.Remove((session.GroupId, session.MemberId));
                return true;
            }
            return false;
        }
    }

    /// <summary>Removes the member's session, if any, and returns it.</summary>
    public ShareSession? Remove(string groupId, string memberId)
    {
        lock (_lock)
        {
            return _sessions.Remove((groupId, memberId), out var session) ? session : null;
        }
    }

    /// <summary>Whether (group, member) has an open session.</summary>
    public bool Contains(string groupId, string memberId)
    {
        lock (_lock)
        {
            return _sessions.ContainsKey((groupId, memberId));
        }
    }
}
