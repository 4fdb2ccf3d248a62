using Gregor.Protocol.Errors;

namespace Gregor.Protocol.Records;

/// <summary>
/// The one validation step of an append: parses a batch header once, checks it against the bytes
/// and the <see cref="RecordBatchRules"/>, runs the CRC32C (the only pass over every byte), and
/// returns the <see cref="ValidatedBatch"/> that the rest of the append consumes. The broker's
/// produce path and storage's own appends both validate here, so the checks and their order
/// exist once; each maps the <see cref="RecordBatchDefect"/> to its vocabulary.
/// Reads the 61-byte header and the CRC range only: nothing per record, nothing allocated.
/// </summary>
public static class RecordBatchValidator
{
    /// <summary>
    /// Validates the batch at the start of <paramref name="bytes"/> (more batches may follow it).
    /// On success <paramref name="batch"/> describes it and <paramref name="message"/> is null.
    /// </summary>
    public static RecordBatchDefect Validate(ReadOnlySpan<byte> bytes, in RecordBatchRules rules, out ValidatedBatch batch, out string? message)
    {
        batch = default;
        if (bytes.IsEmpty)
        {
            message = "no record batch";
            return RecordBatchDefect.Empty;
        }
        RecordBatchHeader header;
        try
        {
            if (!RecordBatchHeader.TryRead(bytes, out header))
            {
                message = $"{bytes.Length} bytes are not a whole record batch header";
                return RecordBatchDefect.Truncated;
            }
        }
        catch (ProtocolException e)
        {
            message = e.Message;
            return RecordBatchDefect.MalformedHeader;
        }
        if (header.TotalSize > bytes.Length)
        {
            message = $"record batch of {header.TotalSize} bytes overruns the {bytes.Length} bytes sent";
            return RecordBatchDefect.Truncated;
        }
        if (header.TotalSize > rules.MaxBatchBytes)
        {
            message = $"record batch of {header.TotalSize} bytes exceeds max.message.bytes {rules.MaxBatchBytes}";
            return RecordBatchDefect.TooLarge;
        }
        if (!RecordBatchHeader.IsCrcValid(bytes[..header.TotalSize]))
        {
            message = "record batch CRC32C does not match its bytes";
            return RecordBatchDefect.CrcMismatch;
        }
        var countMismatch = header.RecordCount < 0 || header.LastOffsetDelta < 0
            || (rules.AsLeader
                ? header.RecordCount == 0 || header.LastOffsetDelta + 1L != header.RecordCount
                : header.LastOffsetDelta + 1L < header.RecordCount);
        if (countMismatch)
        {
            message = $"record count {header.RecordCount} does not match last offset delta {header.LastOffsetDelta}";
            return RecordBatchDefect.CountMismatch;
        }
        if (header.IsControl && !rules.AllowControl)
        {
            message = "clients may not produce control batches";
            return RecordBatchDefect.ControlBatch;
        }
        if (rules.TimestampNowMs is { } now)
        {
            // Int128: a hostile timestamp must not overflow the comparison. Kafka checks every
            // record; the header's base and max timestamps bound them without a per-record pass.
            if ((Int128)now - header.BaseTimestamp > rules.TimestampBeforeMaxMs)
            {
                message = $"timestamp {header.BaseTimestamp} is more than message.timestamp.before.max.ms {rules.TimestampBeforeMaxMs} before the broker time {now}";
                return RecordBatchDefect.TimestampTooOld;
            }
            if ((Int128)header.MaxTimestamp - now > rules.TimestampAfterMaxMs)
            {
                message = $"timestamp {header.MaxTimestamp} is more than message.timestamp.after.max.ms {rules.TimestampAfterMaxMs} after the broker time {now}";
                return RecordBatchDefect.TimestampTooNew;
            }
        }
        batch = new ValidatedBatch(header);
        message = null;
        return RecordBatchDefect.None;
    }

    /// <summary>The Kafka error code a produce response carries for <paramref name="defect"/> (as Kafka's LogValidator).</summary>
    public static ErrorCode ErrorCodeOf(RecordBatchDefect defect) => defect switch
    {
        RecordBatchDefect.None => ErrorCode.None,
        RecordBatchDefect.Empty or RecordBatchDefect.CountMismatch or RecordBatchDefect.ControlBatch => ErrorCode.InvalidRecord,
        RecordBatchDefect.Truncated or RecordBatchDefect.MalformedHeader or RecordBatchDefect.CrcMismatch => ErrorCode.CorruptMessage,
        RecordBatchDefect.TooLarge => ErrorCode.MessageTooLarge,
        RecordBatchDefect.TimestampTooOld or RecordBatchDefect.TimestampTooNew => ErrorCode.InvalidTimestamp,
        _ => throw new ArgumentOutOfRangeException(nameof(defect), defect, null),
    };
}
