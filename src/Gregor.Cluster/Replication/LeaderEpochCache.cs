namespace Gregor.Cluster.Replication;

/// <summary>
/// A partition's leader-epoch history in memory, with Kafka's LeaderEpochFileCache semantics:
/// for each leader epoch, the first offset written in it; epochs and start offsets strictly
/// increase. It answers OffsetForLeaderEpoch (<see cref="EndOffsetFor"/>), the leader's
/// divergence check of a follower fetch (<see cref="CheckFollowerFetch"/>) and, through
/// <see cref="FollowerTruncation"/>, where a follower truncates.
/// <para>
/// Sans-I/O: persisting it is the caller's job — <see cref="LeaderEpochCheckpoint"/> renders
/// and parses Kafka's leader-epoch-checkpoint text; <see cref="Version"/> changes on every
/// mutation so a caller can tell whether to rewrite the file. Not thread-safe: callers hold the
/// partition's lock.
/// </para>
/// </summary>
public sealed class LeaderEpochCache
{
    private readonly List<EpochEntry> _entries = [];

    public LeaderEpochCache()
    {
    }

    /// <summary>A cache holding <paramref name="entries"/> (e.g. read from a checkpoint); non-monotonic entries are dropped as <see cref="Assign"/> would.</summary>
    public LeaderEpochCache(IEnumerable<EpochEntry> entries)
    {
        foreach (var entry in entries)
        {
            Assign(entry.Epoch, entry.StartOffset);
        }
        Version = 0;
    }

    /// <summary>The entries, oldest first.</summary>
    public IReadOnlyList<EpochEntry> Entries => _entries;

    /// <summary>Incremented on every change.</summary>
    public long Version { get; private set; }

    /// <summary>The newest epoch, or -1 when the history is empty.</summary>
    public int LatestEpoch => _entries.Count == 0 ? EpochEndOffset.UndefinedEpoch : _entries[^1].Epoch;

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/> (a leader
    /// calls it when it takes over, at its log end offset; every log append calls it with the
    /// batch's partition leader epoch and base offset). As Kafka: a no-op when the newest entry
    /// is this epoch at or below this offset; otherwise entries with an epoch ≥ it or a start
    /// offset ≥ it are removed first (they belong to a history that was truncated away).
    /// </summary>
    /// <returns>Whether the cache changed.</returns>
    public bool Assign(int epoch, long startOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(startOffset);
        if (_entries.Count > 0 && _entries[^1].Epoch == epoch && startOffset >= _entries[^1].StartOffset)
        {
            return false;
        }
        while (_entries.Count > 0 && (_entries[^1].Epoch >= epoch || _entries[^1].StartOffset >= startOffset))
        {
            _entries.RemoveAt(_entries.Count - 1);
        }
        _entries.Add(new EpochEntry(epoch, startOffset));
        Version++;
        return true;
    }

    /// <summary>The log was truncated to end at <paramref name="endOffset"/>: epochs starting at or after it are removed.</summary>
    public bool TruncateFromEnd(long endOffset)
    {
        if (endOffset < 0 || _entries.Count == 0 || _entries[^1].StartOffset < endOffset)
        {
            return false;
        }
        while (_entries.Count > 0 && _entries[^1].StartOffset >= endOffset)
        {
            _entries.RemoveAt(_entries.Count - 1);
        }
        Version++;
        return true;
    }

    /// <summary>
    /// The log start moved to <paramref name="startOffset"/> (retention, DeleteRecords): epochs
    /// that start at or before it are removed, and the newest of them is kept, starting at
    /// <paramref name="startOffset"/> (Kafka's truncateFromStart).
    /// </summary>
    public bool TruncateFromStart(long startOffset)
    {
        var removed = 0;
        while (removed < _entries.Count && _entries[removed].StartOffset <= startOffset)
        {
            removed++;
        }
        if (removed == 0)
        {
            return false;
        }
        var kept = _entries[removed - 1] with { StartOffset = startOffset };
        _entries.RemoveRange(0, removed);
        _entries.Insert(0, kept);
        Version++;
        return true;
    }

    /// <summary>Forgets every epoch (a replica whose log was deleted).</summary>
    public void Clear()
    {
        if (_entries.Count > 0)
        {
            _entries.Clear();
            Version++;
        }
    }

    /// <summary>
    /// Kafka's LeaderEpochFileCache.endOffsetFor: the largest epoch ≤ <paramref name="requestedEpoch"/>
    /// and the offset where it ended — the next epoch's start, or <paramref name="logEndOffset"/>
    /// when it is the newest. An epoch older than all history answers (requestedEpoch, start of
    /// the first epoch); an undefined or newer-than-known epoch answers <see cref="EpochEndOffset.Undefined"/>.
    /// </summary>
    public EpochEndOffset EndOffsetFor(int requestedEpoch, long logEndOffset)
    {
        if (requestedEpoch == EpochEndOffset.UndefinedEpoch || _entries.Count == 0)
        {
            return EpochEndOffset.Undefined;
        }
        if (_entries[^1].Epoch == requestedEpoch)
        {
            return new EpochEndOffset(requestedEpoch, logEndOffset);
        }
        // The first entry with a larger epoch; the one before it (if any) is the floor.
        var higher = -1;
        for (var i = 0; i < _entries.Count; i++)
        {
            if (_entries[i].Epoch > requestedEpoch)
            {
                higher = i;
                break;
            }
        }
        if (higher < 0)
        {
            return EpochEndOffset.Undefined;
        }
        return higher == 0
            ? new EpochEndOffset(requestedEpoch, _entries[0].StartOffset)
            : new EpochEndOffset(_entries[higher - 1].Epoch, _entries[higher].StartOffset);
    }

    /// <summary>
    /// The leader's check of a follower fetch that carries a last fetched epoch (Kafka's
    /// Partition.validateFetchOffsetAndMaybeGetDivergingEpoch; run after the current leader epoch
    /// was validated). Diverging when the leader's history ends the follower's last fetched epoch
    /// earlier than the fetch offset, or does not have that epoch at all: the answer carries the
    /// leader's (epoch, end offset) for the follower to truncate to. A fetch without a last
    /// fetched epoch (-1: an empty follower log) is consistent.
    /// </summary>
    public FetchEpochCheck CheckFollowerFetch(int lastFetchedEpoch, long fetchOffset, long logStartOffset, long logEndOffset)
    {
        if (lastFetchedEpoch < 0)
        {
            return fetchOffset < logStartOffset || fetchOffset > logEndOffset ? FetchEpochCheck.OutOfRange : FetchEpochCheck.Consistent;
        }
        var end = EndOffsetFor(lastFetchedEpoch, logEndOffset);
        if (end.IsUndefined || end.Epoch == EpochEndOffset.UndefinedEpoch || fetchOffset < logStartOffset)
        {
            return FetchEpochCheck.OutOfRange;
        }
        if (end.Epoch < lastFetchedEpoch || end.EndOffset < fetchOffset)
        {
            return new FetchEpochCheck(FetchEpochCheckKind.Diverging, end);
        }
        return FetchEpochCheck.Consistent;
    }
}
