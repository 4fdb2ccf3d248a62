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

    public int LatestEpoch => PartitionLog.LatestEpoch;

    public IReadOnlyList<(int Epoch, long StartOffset)> LeaderEpochs => PartitionLog.LeaderEpochs;

    public async ValueTask AppendAsFollowerAsync(ReadOnlyMemory<byte> records, CancellationToken cancellationToken) =>
        await PartitionLog.AppendAsFollowerAsync(records, cancellationToken).ConfigureAwait(false);

    public void TruncateTo(long offset) => PartitionLog.TruncateTo(offset);

    public void TruncateFullyAndStartAt(long offset) => PartitionLog.TruncateFullyAndStartAt(offset);

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

    /// <summary>
    /// ListOffsets -3. Storage keeps, per segment, the largest timestamp and the last offset of
    /// the batch that first reached it; the answer is the first record of that batch carrying the
    /// timestamp, with the batch's leader epoch (Kafka since 3.8, KAFKA-16310: the batch's last
    /// offset was a wrong answer whenever a later record of the batch had a smaller timestamp).
    /// Reads that one batch, decompressing it when compressed (bounded, pooled).
    /// </summary>
    public LogOffsetAndTimestamp? FindMaxTimestamp()
    {
        if (PartitionLog.MaxTimestampOffset() is not { } max)
        {
            return null;
        }
        try
        {
            using var read = Read(max.Offset, 1, long.MaxValue, minOneMessage: true);
            if (read is not null)
            {
                foreach (var batch in new RecordBatchIterator(read.Memory, verifyCrc: false))
                {
                    if (batch.Header.LastOffset < max.Offset || batch.Header.MaxTimestamp != max.Timestamp)
                    {
                        continue;
                    }
                    var epoch = batch.Header.PartitionLeaderEpoch;
                    using var records = batch.OpenRecords();
                    foreach (var record in records)
                    {
                        if (record.Timestamp == max.Timestamp)
                        {
                            return new LogOffsetAndTimestamp(record.Offset, max.Timestamp, epoch >= 0 ? epoch : -1);
                        }
                    }
                }
            }
        }
        catch (OffsetOutOfRangeException)
        {
            // Retention moved the log start past the batch meanwhile: nothing to scan, keep the index's answer.
        }
        return new LogOffsetAndTimestamp(max.Offset, max.Timestamp, -1);
    }

    public long DeleteRecordsBefore(long offset) => PartitionLog.DeleteRecordsBefore(offset);

    public (int Epoch, long EndOffset)? EndOffsetForEpoch(int epoch) =>
        PartitionLog.LeaderEpochs.Count == 0 ? null : PartitionLog.EndOffsetForEpoch(epoch);

    public void UpdateConfig(IReadOnlyDictionary<string, string> topicConfigs) =>
        PartitionLog.UpdateConfig(StorageReplicaLogProvider.ToLogConfig(topicConfigs, defaults));

    public void Dispose()
    {
    }
}
