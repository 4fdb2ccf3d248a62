using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Broker.Tests.Replication;

/// <summary>A list-of-batches log for replica manager tests; no idempotence checks.</summary>
internal sealed class InMemoryReplicaLog : IReplicaLog
{
    private readonly Lock _lock = new();
    private readonly List<(long BaseOffset, long LastOffset, long MaxTimestamp, byte[] Bytes)> _batches = [];
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

    public (int Epoch, long EndOffset)? EndOffsetForEpoch(int epoch) => null;

    public void UpdateConfig(IReadOnlyDictionary<string, string> topicConfigs) => Configs = topicConfigs;

    public void Dispose() => Disposed = true;
}
