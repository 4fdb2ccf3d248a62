using Gregor.Protocol;
using Microsoft.Extensions.Logging;

namespace Gregor.Storage;

/// <summary>Source-generated log messages of the storage engine (one place, stable event ids).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "{Partition}: recovery cut segment {BaseOffset} from {OriginalBytes} to {ValidBytes} bytes ({Problem})")]
    public static partial void SegmentTruncatedOnRecovery(ILogger logger, TopicPartition partition, long baseOffset, long originalBytes, long validBytes, string problem);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "{Partition}: recovery deleted segment {BaseOffset} after a damaged one")]
    public static partial void SegmentDroppedOnRecovery(ILogger logger, TopicPartition partition, long baseOffset);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "{Partition}: opened in {ElapsedMs} ms, {Segments} segments, offsets [{LogStartOffset}, {LogEndOffset}), clean shutdown: {Clean}")]
    public static partial void Opened(ILogger logger, TopicPartition partition, long elapsedMs, int segments, long logStartOffset, long logEndOffset, bool clean);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "{Partition}: deleted segment {BaseOffset} ({Reason})")]
    public static partial void SegmentDeleted(ILogger logger, TopicPartition partition, long baseOffset, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "{Partition}: truncated to {Offset}")]
    public static partial void Truncated(ILogger logger, TopicPartition partition, long offset);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "{Partition}: compacted segment {BaseOffset}: {BytesBefore} -> {BytesAfter} bytes")]
    public static partial void SegmentCompacted(ILogger logger, TopicPartition partition, long baseOffset, long bytesBefore, long bytesAfter);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "{Partition}: background task {Task} failed")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception, string task, TopicPartition partition);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "storage background task {Task} failed")]
    public static partial void ManagerTaskFailed(ILogger logger, Exception exception, string task);
}
