namespace Gregor.Protocol.Records;

/// <summary>
/// Why <see cref="RecordBatchValidator"/> refused a batch. Each layer maps it to its own
/// vocabulary: the broker to a Kafka error code (<see cref="RecordBatchValidator.ErrorCodeOf"/>),
/// storage to its exceptions.
/// </summary>
public enum RecordBatchDefect
{
    None = 0,

    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>Fewer bytes than a batch header, or a batch length that runs past the bytes sent.</summary>
    Truncated,

    /// <summary>A batch length below the v2 header or a magic other than 2.</summary>
    MalformedHeader,

    /// <summary>Larger than max.message.bytes.</summary>
    TooLarge,

    /// <summary>The stored CRC32C does not match the bytes.</summary>
    CrcMismatch,

    /// <summary>Record count and last offset delta disagree, or an empty leader batch.</summary>
    CountMismatch,

    /// <summary>A control batch where only data batches are allowed (client produce).</summary>
    ControlBatch,

    /// <summary>A CreateTime timestamp further in the past than message.timestamp.before.max.ms.</summary>
    TimestampTooOld,

    /// <summary>A CreateTime timestamp further in the future than message.timestamp.after.max.ms.</summary>
    TimestampTooNew,
}
