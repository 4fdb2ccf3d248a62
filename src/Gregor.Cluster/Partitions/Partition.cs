using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// A partition this node hosts as leader: its log, leader epoch and high watermark, and the hook
/// that tells the replica manager's purgatories when they moved. A single node is a cluster of one, so the ISR is {self} and the high
/// watermark advances to the log end offset as soon as an append returns (under the storage flush
/// policy that is the durable point); replication will advance it from follower positions instead.
/// The last stable offset equals the high watermark (no transactions yet).
/// <para>
/// Lifecycle: created by <see cref="ReplicaManager"/> when the metadata image makes this node the
/// leader, updated in place on epoch/config changes, removed (and its delayed operations
/// re-checked) when the topic is deleted. Thread-safety: appends may run concurrently (the log serialises writes and,
/// in group-commit mode, batches concurrent appenders into one fsync); the high watermark only
/// moves forward, to the end of each append that returned, so it never covers bytes that are not
/// yet durable. Reads run concurrently with appends and with each other.
/// </para>
/// </summary>
public sealed class Partition : IDisposable
{
    private readonly Action<Partition>? _positionChanged;
    private long _highWatermark;
    private long _visibleBytes;
    private long _recordsAppended;
    private long _bytesAppended;
    private long _bytesFetched;
    private volatile int _leaderEpoch;
    private volatile bool _removed;
    private ProduceLimits _limits;

    // positionChanged: called after the high watermark advanced, the leader epoch changed or the
    // partition went away; the replica manager re-checks the delayed operations watching it.
    public Partition(TopicPartition topicPartition, Guid topicId, int leaderEpoch, IReplicaLog log, ProduceLimits limits, Action<Partition>? positionChanged = null)
    {
        _positionChanged = positionChanged;
        TopicPartition = topicPartition;
        TopicId = topicId;
        Log = log;
        _leaderEpoch = leaderEpoch;
        _limits = limits;
        // Everything recovered from disk was acknowledged by the only replica.
        _highWatermark = log.LogEndOffset;
    }

    public TopicPartition TopicPartition { get; }

    public Guid TopicId { get; }

    public IReplicaLog Log { get; }

    public int LeaderEpoch => _leaderEpoch;

    public bool IsRemoved => _removed;

    /// <summary>What producers may append (batch size, timestamp bounds), from topic and broker configs.</summary>
    public ProduceLimits Limits => Volatile.Read(ref _limits);

    /// <summary>Largest batch (bytes) a producer may append: topic max.message.bytes or broker message.max.bytes.</summary>
    public int MaxMessageBytes => Limits.MaxMessageBytes;

    public long HighWatermark => Interlocked.Read(ref _highWatermark);

    public long LastStableOffset => HighWatermark;

    public long LogStartOffset => Log.LogStartOffset;

    public long LogEndOffset => Log.LogEndOffset;

    /// <summary>
    /// Record bytes appended below the high watermark since this partition was opened: a position
    /// in bytes that only grows. A delayed fetch subtracts the value it saw before its read to learn
    /// how many bytes became readable since, without reading them.
    /// </summary>
    public long VisibleBytes => Interlocked.Read(ref _visibleBytes);

    /// <summary>Records appended since this partition was opened (per-topic MessagesIn, read at scrape time).</summary>
    public long RecordsAppended => Interlocked.Read(ref _recordsAppended);

    /// <summary>Record bytes appended since this partition was opened (per-topic BytesIn).</summary>
    public long BytesAppended => Interlocked.Read(ref _bytesAppended);

    /// <summary>Record bytes returned to fetchers since this partition was opened (per-topic BytesOut).</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    // Plain counters rather than tagged instruments: the hot path pays one interlocked add and
    // the per-topic sums are made when metrics are collected.
    internal void CountFetched(long bytes) => Interlocked.Add(ref _bytesFetched, bytes);

    internal void UpdateLeadership(int leaderEpoch)
    {
        if (_leaderEpoch != leaderEpoch)
        {
            _leaderEpoch = leaderEpoch;
            _positionChanged?.Invoke(this);
        }
    }

    internal void UpdateLimits(ProduceLimits limits) => Volatile.Write(ref _limits, limits);

    /// <summary>
    /// Checks the leader epoch a client believes current (-1 = no check), as Kafka does for
    /// fetch, list offsets and offset-for-leader-epoch.
    /// </summary>
    public ErrorCode CheckLeaderEpoch(int requestEpoch)
    {
        if (requestEpoch < 0)
        {
            return ErrorCode.None;
        }
        var current = _leaderEpoch;
        return requestEpoch < current ? ErrorCode.FencedLeaderEpoch
            : requestEpoch > current ? ErrorCode.UnknownLeaderEpoch
            : ErrorCode.None;
    }

    /// <summary>
    /// Appends the batch <see cref="ProduceRecordsValidator"/> validated, advances the high
    /// watermark and re-checks the delayed operations watching it. Throws
    /// <see cref="KafkaException"/> for producer-state and log errors.
    /// </summary>
    public async ValueTask<LogAppendResult> AppendAsync(ReadOnlyMemory<byte> records, ValidatedBatch batch, CancellationToken cancellationToken)
    {
        ThrowIfRemoved();
        var result = await Log.AppendAsLeaderAsync(records, batch, _leaderEpoch, cancellationToken).ConfigureAwait(false);
        // An append returns once durable per the flush policy, and a durable offset implies every
        // earlier offset is durable (one file, appended in order).
        Interlocked.Add(ref _visibleBytes, records.Length);
        Interlocked.Add(ref _recordsAppended, batch.RecordCount);
        Interlocked.Add(ref _bytesAppended, records.Length);
        AdvanceHighWatermark(result.LastOffset + 1);
        _positionChanged?.Invoke(this);
        return result;
    }

    /// <summary>
    /// Reads for a consumer: whole batches from <paramref name="fetchOffset"/> below the high
    /// watermark. Throws <see cref="KafkaException"/> (OFFSET_OUT_OF_RANGE).
    /// </summary>
    public FetchedRecords? Read(long fetchOffset, int maxBytes, bool minOneMessage)
    {
        ThrowIfRemoved();
        var highWatermark = HighWatermark;
        var logStart = Log.LogStartOffset;
        if (fetchOffset < logStart || fetchOffset > Log.LogEndOffset)
        {
            throw new KafkaException(
                ErrorCode.OffsetOutOfRange,
                $"fetch offset {fetchOffset} is outside [{logStart}, {Log.LogEndOffset}] of {TopicPartition}");
        }
        if (fetchOffset >= highWatermark || maxBytes <= 0 && !minOneMessage)
        {
            return null;
        }
        return Log.Read(fetchOffset, maxBytes, highWatermark, minOneMessage);
    }

    /// <summary>Advances the log start offset for DeleteRecords; -1 means the high watermark.</summary>
    public long DeleteRecordsBefore(long offset)
    {
        ThrowIfRemoved();
        var highWatermark = HighWatermark;
        if (offset == -1)
        {
            offset = highWatermark;
        }
        if (offset < 0 || offset > highWatermark)
        {
            throw new KafkaException(
                ErrorCode.OffsetOutOfRange,
                $"cannot delete records before {offset}: high watermark of {TopicPartition} is {highWatermark}");
        }
        return offset <= Log.LogStartOffset ? Log.LogStartOffset : Log.DeleteRecordsBefore(offset);
    }

    /// <summary>
    /// End offset of <paramref name="epoch"/> (OffsetForLeaderEpoch). From the log's epoch
    /// checkpoint when it keeps one; otherwise the current epoch ends at LEO and a later one is
    /// unknown (-1, -1) as in Kafka.
    /// </summary>
    public (int Epoch, long EndOffset) EndOffsetForEpoch(int epoch)
    {
        ThrowIfRemoved();
        var current = _leaderEpoch;
        if (epoch > current)
        {
            return (-1, -1);
        }
        if (Log.EndOffsetForEpoch(epoch) is { } fromCheckpoint)
        {
            return fromCheckpoint;
        }
        return (current, Log.LogEndOffset);
    }

    /// <summary>Marks the partition gone (topic deleted, leadership moved); waiting fetches return.</summary>
    internal void MarkRemoved()
    {
        _removed = true;
        _positionChanged?.Invoke(this);
    }

    private void AdvanceHighWatermark(long candidate)
    {
        var current = Interlocked.Read(ref _highWatermark);
        while (candidate > current)
        {
            var seen = Interlocked.CompareExchange(ref _highWatermark, candidate, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }

    private void ThrowIfRemoved()
    {
        if (_removed)
        {
            throw new KafkaException(ErrorCode.NotLeaderOrFollower, $"{TopicPartition} is no longer hosted here");
        }
    }

    public void Dispose()
    {
        MarkRemoved();
        Log.Dispose();
    }
}
