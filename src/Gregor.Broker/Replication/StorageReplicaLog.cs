using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Broker.Replication;

/// <summary>
/// Adapts a Gregor.Storage <see cref="PartitionLog"/> to <see cref="IReplicaLog"/>: translates
/// storage exceptions into Kafka error codes and hands a read's pinned file ranges on as
/// <see cref="FetchedRecords"/> (nothing copied until the response frame reads them into the pipe). The <see cref="LogManager"/> owns the log: disposing this adapter does not
/// close it, <see cref="StorageReplicaLogProvider.Delete"/> and the log manager do.
/// Thread-safety: as the PartitionLog (concurrent reads and appends).
/// </summary>
public sealed class StorageReplicaLog(PartitionLog log, LogConfig defaults) : IReplicaLog
{
    public PartitionLog PartitionLog { get; } = log;

    public long LogStartOffset => PartitionLog.LogStartOffset;

    public long LogEndOffset => PartitionLog.LogEndOffset;

    public IReadOnlyList<ProducerStateEntry> ActiveProducers =>
        [.. PartitionLog.ActiveProducers.Select(p => new ProducerStateEntry(p.ProducerId, p.ProducerEpoch, p.LastSequence, p.LastTimestamp))];

    public async ValueTask<LogAppendResult> AppendAsLeaderAsync(ReadOnlyMemory<byte> records, ValidatedBatch batch, int leaderEpoch, CancellationToken cancellationToken)
    {
        try
        {
            var result = await PartitionLog.AppendAsLeaderAsync(records, batch, leaderEpoch, cancellationToken).ConfigureAwait(false);
            return new LogAppendResult(result.FirstOffset, result.LastOffset, result.LogAppendTime, result.LogStartOffset);
        }
        catch (Exception e) when (Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    public FetchedRecords? Read(long fetchOffset, int maxBytes, long maxOffset, bool minOneMessage)
    {
        ReadResult result;
        try
        {
            result = PartitionLog.Read(fetchOffset, Math.Max(0, maxBytes), maxOffset, minOneMessage);
        }
        catch (Exception e) when (Translate(e) is { } translated)
        {
            throw translated;
        }
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

    public long DeleteRecordsBefore(long offset)
    {
        try
        {
            return PartitionLog.DeleteRecordsBefore(offset);
        }
        catch (Exception e) when (Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    public (int Epoch, long EndOffset)? EndOffsetForEpoch(int epoch) =>
        PartitionLog.LeaderEpochs.Count == 0 ? null : PartitionLog.EndOffsetForEpoch(epoch);

    public void UpdateConfig(IReadOnlyDictionary<string, string> topicConfigs) =>
        PartitionLog.UpdateConfig(StorageReplicaLogProvider.ToLogConfig(topicConfigs, defaults));

    public void Dispose()
    {
    }

    private static ReplicaLogException? Translate(Exception e) => e switch
    {
        OffsetOutOfRangeException => new ReplicaLogException(ErrorCode.OffsetOutOfRange, e.Message),
        OutOfOrderSequenceException => new ReplicaLogException(ErrorCode.OutOfOrderSequenceNumber, e.Message),
        InvalidProducerEpochException => new ReplicaLogException(ErrorCode.InvalidProducerEpoch, e.Message),
        RecordTooLargeException => new ReplicaLogException(ErrorCode.MessageTooLarge, e.Message),
        InvalidRecordException => new ReplicaLogException(ErrorCode.InvalidRecord, e.Message),
        CorruptRecordException => new ReplicaLogException(ErrorCode.CorruptMessage, e.Message),
        ProtocolException => new ReplicaLogException(ErrorCode.CorruptMessage, e.Message),
        ObjectDisposedException => new ReplicaLogException(ErrorCode.NotLeaderOrFollower, "the partition's log was closed"),
        StorageException => new ReplicaLogException(ErrorCode.KafkaStorageError, e.Message),
        _ => null,
    };
}
