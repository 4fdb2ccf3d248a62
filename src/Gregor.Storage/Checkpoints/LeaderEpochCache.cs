using System.Globalization;

namespace Gregor.Storage.Checkpoints;

/// <summary>
/// The partition's leader epoch history: for each leader epoch, the first offset written in
/// it. Serves OffsetForLeaderEpoch (a follower asks where epoch N ended, to truncate
/// divergent data) and is persisted as the partition's leader-epoch-checkpoint in
/// <see cref="CheckpointFile"/> format, one "epoch startOffset" line per entry:
/// <code>
/// 0
/// 2
/// 0 0
/// 3 1500     ← epoch 3 started at offset 1500, so epoch 0 ended at 1500
/// </code>
/// Thread-safety: internally locked; written on change (epochs change rarely).
/// </summary>
internal sealed class LeaderEpochCache
{
    public const string FileName = "leader-epoch-checkpoint";

    private readonly string _path;
    private readonly List<(int Epoch, long StartOffset)> _entries = [];
    private readonly Lock _lock = new();

    public LeaderEpochCache(string directory)
    {
        _path = Path.Combine(directory, FileName);
        foreach (var fields in CheckpointFile.Read(_path) ?? [])
        {
            if (fields.Length == 2
                && int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && (_entries.Count == 0 || (epoch > _entries[^1].Epoch && start >= _entries[^1].StartOffset)))
            {
                _entries.Add((epoch, start));
            }
        }
    }

    public IReadOnlyList<(int Epoch, long StartOffset)> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>The latest epoch, or -1 when none.</summary>
    public int LatestEpoch
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count == 0 ? -1 : _entries[^1].Epoch;
            }
        }
    }

    /// <summary>Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/> if it is newer than the latest.</summary>
    public void Assign(int epoch, long startOffset)
    {
        if (epoch < 0)
        {
            return;
        }
        lock (_lock)
        {
            if (_entries.Count > 0 && epoch <= _entries[^1].Epoch)
            {
                return;
            }
            // An entry starting at or after this offset belongs to a truncated history.
            _entries.RemoveAll(e => e.StartOffset >= startOffset);
            _entries.Add((epoch, startOffset));
            Persist();
        }
    }

    /// <summary>Removes epochs that start at or after <paramref name="endOffset"/> (log truncated there).</summary>
    public void TruncateFromEnd(long endOffset)
    {
        lock (_lock)
        {
            if (_entries.RemoveAll(e => e.StartOffset >= endOffset) > 0)
            {
                Persist();
            }
        }
    }

    /// <summary>Drops history below a new log start offset, keeping the epoch that covers it.</summary>
    public void TruncateFromStart(long startOffset)
    {
        lock (_lock)
        {
            var changed = false;
            while (_entries.Count > 1 && _entries[1].StartOffset <= startOffset)
            {
                _entries.RemoveAt(0);
                changed = true;
            }
            if (_entries.Count > 0 && _entries[0].StartOffset < startOffset)
            {
                _entries[0] = (_entries[0].Epoch, startOffset);
                changed = true;
            }
            if (changed)
            {
                Persist();
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            Persist();
        }
    }

    /// <summary>
    /// Kafka's OffsetForLeaderEpoch answer: the largest epoch ≤ <paramref name="epoch"/> and the
    /// offset where it ended (the next epoch's start, or the log end for the latest epoch);
    /// (-1, -1) when the epoch is older than all history.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetFor(int epoch, long logEndOffset)
    {
        lock (_lock)
        {
            if (_entries.Count == 0)
            {
                return (-1, -1);
            }
            if (epoch >= _entries[^1].Epoch)
            {
                return (_entries[^1].Epoch, logEndOffset);
            }
            for (var i = _entries.Count - 1; i >= 0; i--)
            {
                if (_entries[i].Epoch <= epoch)
                {
                    return (_entries[i].Epoch, _entries[i + 1].StartOffset);
                }
            }
            return (-1, -1);
        }
    }

    private void Persist() =>
        CheckpointFile.Write(_path, _entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Epoch} {e.StartOffset}")));

    public void Flush()
    {
        lock (_lock)
        {
            Persist();
        }
    }
}
