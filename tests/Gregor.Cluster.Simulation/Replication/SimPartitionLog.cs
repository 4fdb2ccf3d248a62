namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// One replica's partition log on a simulated disk: batches, how far they are fsynced, and the
/// two checkpoint files Kafka keeps beside a log (leader-epoch-checkpoint, in Kafka's text
/// format through <see cref="Gregor.Cluster.Replication.LeaderEpochCheckpoint"/>, written durably on every
/// change; the replication-offset-checkpoint's high watermark, written on a timer). A process
/// crash keeps everything (the page cache survives); a machine crash keeps only fsynced
/// batches, plus — for a torn tail — a random prefix of the unfsynced ones (recovery drops a
/// partly written batch, so whole batches survive or none).
/// </summary>
public sealed class SimPartitionLog
{
    private readonly List<SimBatch> _batches = [];

    public IReadOnlyList<SimBatch> Batches => _batches;

    public long LogEndOffset => _batches.Count == 0 ? 0 : _batches[^1].NextOffset;

    public long FlushedOffset { get; private set; }

    /// <summary>The leader-epoch-checkpoint file's text (null until first written).</summary>
    public string? EpochCheckpoint { get; set; }

    /// <summary>The checkpointed high watermark.</summary>
    public long HighWatermarkCheckpoint { get; set; }

    public int Truncations { get; private set; }

    public void Append(SimBatch batch)
    {
        if (batch.BaseOffset != LogEndOffset)
        {
            throw new InvalidOperationException($"append at {batch.BaseOffset} to a log ending at {LogEndOffset}");
        }
        _batches.Add(batch);
    }

    public void Flush() => FlushedOffset = LogEndOffset;

    /// <summary>Removes everything at or after <paramref name="offset"/> (a batch straddling it goes whole: followers truncate at batch boundaries).</summary>
    public void TruncateTo(long offset)
    {
        var removed = false;
        while (_batches.Count > 0 && _batches[^1].NextOffset > offset)
        {
            _batches.RemoveAt(_batches.Count - 1);
            removed = true;
        }
        if (removed)
        {
            Truncations++;
        }
        FlushedOffset = Math.Min(FlushedOffset, LogEndOffset);
    }

    /// <summary>The index of the batch containing <paramref name="offset"/>, or -1.</summary>
    public int IndexOf(long offset)
    {
        int lo = 0, hi = _batches.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var batch = _batches[mid];
            if (offset < batch.BaseOffset)
            {
                hi = mid - 1;
            }
            else if (offset >= batch.NextOffset)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }

    public (int Epoch, int ProducerId, int Sequence)? RecordAt(long offset) =>
        IndexOf(offset) is var i and >= 0 ? _batches[i].RecordAt(offset) : null;

    /// <summary>The batch of <paramref name="producerId"/> holding <paramref name="sequence"/>, searching from the end.</summary>
    public SimBatch? FindSequence(int producerId, int sequence)
    {
        for (var i = _batches.Count - 1; i >= 0; i--)
        {
            var batch = _batches[i];
            if (batch.ProducerId != producerId)
            {
                continue;
            }
            if (batch.BaseSequence <= sequence && sequence <= batch.LastSequence)
            {
                return batch;
            }
            if (batch.LastSequence < sequence)
            {
                return null;
            }
        }
        return null;
    }

    /// <summary>The last sequence <paramref name="producerId"/> wrote here, or -1 (the producer state a replica rebuilds from its log).</summary>
    public int LastSequence(int producerId)
    {
        for (var i = _batches.Count - 1; i >= 0; i--)
        {
            if (_batches[i].ProducerId == producerId)
            {
                return _batches[i].LastSequence;
            }
        }
        return -1;
    }

    public void LoseUnflushed(Random? torn)
    {
        var keep = _batches.Count;
        while (keep > 0 && _batches[keep - 1].NextOffset > FlushedOffset)
        {
            keep--;
        }
        if (torn is not null && keep < _batches.Count)
        {
            keep += torn.Next(_batches.Count - keep + 1);
        }
        if (keep < _batches.Count)
        {
            _batches.RemoveRange(keep, _batches.Count - keep);
            Truncations++;
        }
        FlushedOffset = LogEndOffset;
    }
}
