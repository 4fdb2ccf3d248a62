using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Adapts a Gregor.Storage <see cref="PartitionLog"/> to <see cref="IReplicaLog"/>: storage
/// exceptions pass through (they carry their Kafka error code), and a read's pinned file ranges
/// go on as <see cref="FetchedRecords"/> (nothing copied until the response frame reads them into
/// the pipe). The <see cref="LogManager"/> owns the log: disposing this adapter does not
/// close it, <see cref="StorageReplicaLogProvider.Delete"/> and the log manager do.
/// Thread-safety: as the PartitionLog (concurrent reads and appends).
/// </summary>
public sealed class StorageReplicaLog(PartitionLog log, LogConfig defaults) : IReplicaLog
{
    public PartitionLog PartitionLog { get; } = log;

    public long LogStartOffset => PartitionLog.LogStartOffset;

    public long LogEndOffset => PartitionLog.LogEndOffset;

    public IReadOnlyCollection<ProducerStateEntry> ActiveProducers => PartitionLog.ActiveProducers;

    public async ValueTask<LogAppendResult> AppendAsLeaderAsync(ReadOnlyMemory<byte> records, ValidatedBatch batch, int leaderEpoch, CancellationToken cancellationToken)
    {
        var result = await PartitionLog.AppendAsLeaderAsync(records, batch, leaderEpoch, cancellationToken).ConfigureAwait(false);
        return new LogAppendResult(result.FirstOffset, result.LastOffset, result.LogAppendTime, result.LogStartOffset);
    }

    public FetchedRecords? Read(long fetchOffset, int maxBytes, long maxOffset, bool minOneMessage)
    {
        var result = PartitionLog.Read(fetchOffset, Math.Max(0, maxBytes), maxOffset, minOneMessage);
        if (result.TotalBytes == 0)
        {
            result.Dispose();
            return null;
        }
        // The pinned ranges go to the response as they are: the frame reads them into the socket's buffer.
        return FetchedRecords.FromFileRanges(result);
    }

    public LogOffsetAndTimestamp? FindOffsetByTimestamp(long timestamp) =>
        PartitionLog.FindOffsetByTimestamp(timestamp) is { } found ? new LogOffsetAndTimestamp(found.Offset, found.Timestamp, -1) : null;

    public LogOffsetAndTimestamp? FindMaxTimestamp() =>
        PartitionLog.MaxTimestampOffset() is { } found ? new LogOffsetAndTimestamp(found.Offset, found.Timestamp, -1) : null;

    public long DeleteRecordsBefore(long offset) => PartitionLog.DeleteRecordsBefore(offset);

    public (int Epoch, long EndOffset)? EndOffsetForEpoch(int epoch) =>
        PartitionLog.LeaderEpochs.Count == 0 ? null : PartitionLog.EndOffsetForEpoch(epoch);

    public void UpdateConfig(IReadOnlyDictionary<string, string> topicConfigs) =>
        PartitionLog.UpdateConfig(StorageReplicaLogProvider.ToLogConfig(topicConfigs, defaults));

    public void Dispose()
    {
    }
}
