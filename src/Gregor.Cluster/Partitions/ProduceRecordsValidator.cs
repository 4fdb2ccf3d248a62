using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Checks the records of one produce partition before they reach the log, the way Kafka's
/// ProduceRequest.validateRecords and LogValidator do: exactly one magic-v2 batch (Produce v3+),
/// no larger than max.message.bytes (MESSAGE_TOO_LARGE), CRC32C intact (CORRUPT_MESSAGE),
/// record count consistent with the offset delta and no control batches (INVALID_RECORD), and for
/// CreateTime topics timestamps within message.timestamp.before/after.max.ms of the broker clock
/// (INVALID_TIMESTAMP; checked on the header's base and max timestamps, where Kafka checks every
/// record). Reads only the 61-byte header and runs the CRC over the bytes: no per-record work.
/// </summary>
public static class ProduceRecordsValidator
{
    public static (ErrorCode Error, string? Message) Validate(ReadOnlySpan<byte> records, int maxMessageBytes, TimestampBounds? timestamps = null)
    {
        if (records.IsEmpty)
        {
            return (ErrorCode.InvalidRecord, "produce requests must carry exactly one record batch; got none");
        }
        var batches = 0;
        var position = 0;
        while (position < records.Length)
        {
            var remaining = records[position..];
            RecordBatchHeader header;
            try
            {
                if (!RecordBatchHeader.TryRead(remaining, out header))
                {
                    return (ErrorCode.CorruptMessage, $"truncated record batch header at byte {position}");
                }
            }
            catch (ProtocolException e)
            {
                return (ErrorCode.CorruptMessage, e.Message);
            }
            if (header.TotalSize > remaining.Length)
            {
                return (ErrorCode.CorruptMessage, $"record batch of {header.TotalSize} bytes overruns the {remaining.Length} bytes sent");
            }
            if (header.TotalSize > maxMessageBytes)
            {
                return (ErrorCode.MessageTooLarge, $"record batch of {header.TotalSize} bytes exceeds max.message.bytes {maxMessageBytes}");
            }
            var batch = remaining[..header.TotalSize];
            if (!RecordBatchHeader.IsCrcValid(batch))
            {
                return (ErrorCode.CorruptMessage, "record batch CRC32C does not match its bytes");
            }
            if (header.RecordCount <= 0 || header.LastOffsetDelta + 1L != header.RecordCount)
            {
                return (ErrorCode.InvalidRecord, $"record count {header.RecordCount} does not match last offset delta {header.LastOffsetDelta}");
            }
            if (header.IsControl)
            {
                return (ErrorCode.InvalidRecord, "clients may not produce control batches");
            }
            if (timestamps is { } bounds)
            {
                // Int128: a hostile timestamp must not overflow the comparison.
                if ((Int128)bounds.NowMs - header.BaseTimestamp > bounds.BeforeMaxMs)
                {
                    return (ErrorCode.InvalidTimestamp, $"timestamp {header.BaseTimestamp} is more than message.timestamp.before.max.ms {bounds.BeforeMaxMs} before the broker time {bounds.NowMs}");
                }
                if ((Int128)header.MaxTimestamp - bounds.NowMs > bounds.AfterMaxMs)
                {
                    return (ErrorCode.InvalidTimestamp, $"timestamp {header.MaxTimestamp} is more than message.timestamp.after.max.ms {bounds.AfterMaxMs} after the broker time {bounds.NowMs}");
                }
            }
            batches++;
            position += header.TotalSize;
        }
        return batches == 1
            ? (ErrorCode.None, null)
            : (ErrorCode.InvalidRecord, $"produce requests must carry exactly one record batch; got {batches}");
    }
}
