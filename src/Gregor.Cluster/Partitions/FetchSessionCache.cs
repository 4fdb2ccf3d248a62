using System.Diagnostics.Metrics;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The broker's KIP-227 fetch sessions, bounded by <c>max.incremental.fetch.session.cache.slots</c>
/// (1000). A full fetch with epoch 0 creates a session when a slot is free or can be taken: from a
/// session idle longer than <c>min.incremental.fetch.session.eviction.ms</c> (120 s), else from the
/// least recently used session smaller than the new one (Kafka's rule: bigger sessions save more).
/// When no slot can be had the fetch is served without a session (session id 0) and the client
/// keeps sending full fetches.
/// <para>Request rules (FetchRequest sessionId/epoch): epoch -1 = sessionless full fetch (closing
/// the named session); epoch 0 = full fetch opening a new session (closing the named one);
/// epoch &gt; 0 = incremental fetch of an existing session whose expected epoch must match.</para>
/// <para>Thread-safety: one lock guards the session table; each session has its own lock.</para>
/// </summary>
public sealed class FetchSessionCache
{
    public const int DefaultMaxSessions = 1000;
    public static readonly TimeSpan DefaultEvictionAge = TimeSpan.FromMilliseconds(120_000);

    private readonly Lock _lock = new();
    private readonly Dictionary<int, FetchSession> _sessions = [];
    private readonly int _maxSessions;
    private readonly long _evictionAgeMs;
    private readonly TimeProvider _timeProvider;

    public FetchSessionCache(int maxSessions = DefaultMaxSessions, TimeSpan? evictionAge = null, TimeProvider? timeProvider = null, Meter? meter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSessions);
        _maxSessions = maxSessions;
        _evictionAgeMs = (long)(evictionAge ?? DefaultEvictionAge).TotalMilliseconds;
        _timeProvider = timeProvider ?? TimeProvider.System;
        meter?.CreateObservableGauge("gregor.partitions.fetch_sessions", () => Count, "{session}", "Incremental fetch sessions cached");
    }

    public int MaxSessions => _maxSessions;

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

    /// <summary>Interprets a fetch request's session id and epoch; see the class comment.</summary>
    internal FetchSessionContext Begin(FetchRequestSpec request)
    {
        var nowMs = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (request.SessionEpoch == -1)
        {
            if (request.SessionId != 0)
            {
                Remove(request.SessionId);
            }
            return FetchSessionContext.Full(null, Deduplicate(request.Partitions));
        }
        if (request.SessionEpoch == 0)
        {
            if (request.SessionId != 0)
            {
                Remove(request.SessionId);
            }
            var partitions = Deduplicate(request.Partitions);
            var created = TryCreate(partitions, request.UsesTopicIds, nowMs);
            return FetchSessionContext.Full(created, partitions);
        }

        FetchSession? session;
        lock (_lock)
        {
            _sessions.TryGetValue(request.SessionId, out session);
        }
        if (session is null)
        {
            return FetchSessionContext.Failed(ErrorCode.FetchSessionIdNotFound);
        }
        lock (session.SyncRoot)
        {
            if (session.Epoch != request.SessionEpoch)
            {
                return FetchSessionContext.Failed(ErrorCode.InvalidFetchSessionEpoch);
            }
            if (session.UsesTopicIds != request.UsesTopicIds)
            {
                return FetchSessionContext.Failed(ErrorCode.FetchSessionTopicIdError);
            }
            foreach (var spec in request.Partitions)
            {
                session.Upsert(spec);
            }
            if (request.Forgotten is { } forgotten)
            {
                foreach (var key in forgotten)
                {
                    session.Partitions.Remove(key);
                }
            }
            session.Epoch = FetchSession.NextEpoch(session.Epoch);
            session.LastUsedMs = nowMs;
            var toRead = new FetchPartitionSpec[session.Partitions.Count];
            var i = 0;
            foreach (var cached in session.Partitions.Values)
            {
                toRead[i++] = cached.Spec;
            }
            return FetchSessionContext.Incremental(session, toRead);
        }
    }

    public bool Remove(int sessionId)
    {
        lock (_lock)
        {
            return _sessions.Remove(sessionId);
        }
    }

    private FetchSession? TryCreate(IReadOnlyList<FetchPartitionSpec> partitions, bool usesTopicIds, long nowMs)
    {
        if (_maxSessions == 0)
        {
            return null;
        }
        lock (_lock)
        {
            if (_sessions.Count >= _maxSessions && !TryEvict(partitions.Count, nowMs))
            {
                return null;
            }
            int id;
            do
            {
                id = Random.Shared.Next(1, int.MaxValue);
            }
            while (_sessions.ContainsKey(id));
            var session = new FetchSession(id, usesTopicIds, nowMs);
            foreach (var spec in partitions)
            {
                session.Upsert(spec);
            }
            _sessions.Add(id, session);
            return session;
        }
    }

    // Caller holds _lock. O(sessions) scan: at most 1000, and only when the cache is full.
    private bool TryEvict(int newSessionSize, long nowMs)
    {
        FetchSession? stalest = null;
        FetchSession? smaller = null;
        foreach (var session in _sessions.Values)
        {
            if (nowMs - session.LastUsedMs >= _evictionAgeMs && (stalest is null || session.LastUsedMs < stalest.LastUsedMs))
            {
                stalest = session;
            }
            if (session.Size < newSessionSize && (smaller is null || session.LastUsedMs < smaller.LastUsedMs))
            {
                smaller = session;
            }
        }
        var victim = stalest ?? smaller;
        if (victim is null)
        {
            return false;
        }
        _sessions.Remove(victim.Id);
        return true;
    }

    private static IReadOnlyList<FetchPartitionSpec> Deduplicate(IReadOnlyList<FetchPartitionSpec> partitions)
    {
        if (partitions.Count < 2)
        {
            return partitions;
        }
        var seen = new HashSet<FetchPartitionKey>();
        List<FetchPartitionSpec>? unique = null;
        for (var i = 0; i < partitions.Count; i++)
        {
            if (seen.Add(partitions[i].Key))
            {
                unique?.Add(partitions[i]);
            }
            else if (unique is null)
            {
                unique = new List<FetchPartitionSpec>(partitions.Count);
                for (var j = 0; j < i; j++)
                {
                    unique.Add(partitions[j]);
                }
            }
        }
        return unique ?? partitions;
    }
}
