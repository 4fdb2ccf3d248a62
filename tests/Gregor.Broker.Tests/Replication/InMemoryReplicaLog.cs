using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Broker.Tests.Replication;

/// <summary>A list-of-batches log for replica manager tests; no idempotence checks. Keeps each batch's leader epoch so follower truncation can be checked.</summary>
internal sealed class InMemoryReplicaLog : IReplicaLog
{
    private readonly Lock _lock = new();
    private readonly List<(long BaseOffset, long LastOffset, long MaxTimestamp, byte[] Bytes)> _batches = [];
    private readonly List<int> _epochs = [];
    private long _logStart;
    private long _logEnd;

    private int _reads;

    public bool Disposed { get; private set; }

    /// <summary>Reads served so far: a delayed fetch must not re-read while it waits.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public IReadOnlyDictionary<string, string> Configs { get; private set; } = new Dictionary<string, string>();

    public long LogStartOffset { get { lock (_lock) { return _logStart; } } }

    public long LogEndOffset { get { lock (_lock) { return _logEnd; } } }

    public IReadOnlyCollection<ProducerStateEntry> ActiveProducers => [];

    public ValueTask<LogAppendResult> AppendAsLeaderAsync(ReadOnlyMemory<byte> records, ValidatedBatch batch, int leaderEpoch, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var bytes = records.ToArray();
            var header = batch.Header;
            var baseOffset = _logEnd;
            RecordBatchHeader.WriteBaseOffset(bytes, baseOffset);
            RecordBatchHeader.WritePartitionLeaderEpoch(bytes, leaderEpoch);
            _batches.Add((baseOffset, baseOffset + header.LastOffsetDelta, header.MaxTimestamp, bytes));
            _epochs.Add(leaderEpoch);
            _logEnd = baseOffset + header.LastOffsetDelta + 1;
            return ValueTask.FromResult(new LogAppendResult(baseOffset, _logEnd - 1, -1, _logStart));
        }
    }

    public FetchedRecords? Read(long fetchOffset, int maxBytes, long maxOffset, bool minOneMessage)
    {
        Interlocked.Increment(ref _reads);
        lock (_lock)
        {
            if (fetchOffset < _logStart || fetchOffset > _logEnd)
            {
                throw new KafkaException(ErrorCode.OffsetOutOfRange, "out of range");
            }
            var result = new List<byte>();
            foreach (var batch in _batches)
            {
                if (batch.LastOffset < fetchOffset)
                {
                    continue;
                }
                if (batch.LastOffset >= maxOffset)
                {
                    break;
                }
                var used = result.Count;
                if (used + batch.Bytes.Length > maxBytes && !(used == 0 && minOneMessage))
                {
                    break;
                }
                result.AddRange(batch.Bytes);
            }
            return result.Count == 0 ? null : FetchedRecords.FromBytes(result.ToArray());
        }
    }

    public LogOffsetAndTimestamp? FindOffsetByTimestamp(long timestamp)
    {
        lock (_lock)
        {
            foreach (var batch in _batches)
            {
                if (batch.MaxTimestamp >= timestamp && batch.LastOffset >= _logStart)
                {
                    return new LogOffsetAndTimestamp(Math.Max(batch.BaseOffset, _logStart), batch.MaxTimestamp, -1);
                }
            }
            return null;
        }
    }

    public LogOffsetAndTimestamp? FindMaxTimestamp()
    {
        lock (_lock)
        {
            LogOffsetAndTimestamp? max = null;
            foreach (var batch in _batches)
            {
                if (max is null || batch.MaxTimestamp > max.Value.Timestamp)
                {
                    max = new LogOffsetAndTimestamp(batch.LastOffset, batch.MaxTimestamp, -1);
                }
            }
            return max;
        }
    }

    public long DeleteRecordsBefore(long offset)
    {
        lock (_lock)
        {
            _logStart = Math.Max(_logStart, offset);
            return _logStart;
        }
    }

    /// <summary>The whole log's bytes, for byte-for-byte comparisons of replicas.</summary>
    public byte[] Bytes()
    {
        lock (_lock)
        {
            return [.. _batches.SelectMany(b => b.Bytes)];
        }
    }

    public IReadOnlyList<(int Epoch, long StartOffset)> LeaderEpochs
    {
        get
        {
            lock (_lock)
            {
                var entries = new List<(int Epoch, long StartOffset)>();
                for (var i = 0; i < _epochs.Count; i++)
                {
                    if (_epochs[i] >= 0 && (entries.Count == 0 || _epochs[i] > entries[^1].Epoch))
                    {
                        entries.Add((_epochs[i], _batches[i].BaseOffset));
                    }
                }
                return entries;
            }
        }
    }

    public int LatestEpoch
    {
        get
        {
            lock (_lock)
            {
                return _epochs.Count == 0 ? -1 : _epochs[^1];
            }
        }
    }

    public ValueTask AppendAsFollowerAsync(ReadOnlyMemory<byte> records, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var data = records.Span;
            while (!data.IsEmpty)
            {
                if (!RecordBatchHeader.TryRead(data, out var header) || header.TotalSize > data.Length)
                {
                    throw new KafkaException(ErrorCode.CorruptMessage, "truncated batch");
                }
                if (header.BaseOffset < _logEnd)
                {
                    throw new KafkaException(ErrorCode.InvalidRecord, $"follower batch at {header.BaseOffset} below the log end {_logEnd}");
                }
                _batches.Add((header.BaseOffset, header.LastOffset, header.MaxTimestamp, data[..header.TotalSize].ToArray()));
                _epochs.Add(header.PartitionLeaderEpoch);
                _logEnd = header.LastOffset + 1;
                data = data[header.TotalSize..];
            }
            return ValueTask.CompletedTask;
        }
    }

    public void TruncateTo(long offset)
    {
        lock (_lock)
        {
            if (offset >= _logEnd)
            {
                return;
            }
            while (_batches.Count > 0 && _batches[^1].LastOffset >= offset)
            {
                _batches.RemoveAt(_batches.Count - 1);
                _epochs.RemoveAt(_epochs.Count - 1);
            }
            _logEnd = _batches.Count == 0 ? Math.Min(offset, _logEnd) : _batches[^1].LastOffset + 1;
            _logStart = Math.Min(_logStart, _logEnd);
        }
    }

    public void TruncateFullyAndStartAt(long offset)
    {
        lock (_lock)
        {
            _batches.Clear();
            _epochs.Clear();
            _logStart = _logEnd = offset;
        }
    }

    // As storage's leader-epoch cache: the largest epoch not above the one asked for, and where the next epoch starts (or the log end).
    public (int Epoch, long EndOffset)? EndOffsetForEpoch(int epoch)
    {
        lock (_lock)
        {
            if (_epochs.Count == 0)
            {
                return null;
            }
            var found = -1;
            for (var i = 0; i < _epochs.Count; i++)
            {
                if (_epochs[i] <= epoch)
                {
                    found = _epochs[i];
                }
                else
                {
                    return found < 0 ? (-1, -1) : (found, _batches[i].BaseOffset);
                }
            }
            return (found, _logEnd);
        }
    }

    public void UpdateConfig(IReadOnlyDictionary<string, string> topicConfigs) => Configs = topicConfigs;

    public void Dispose() => Disposed = true;
}
