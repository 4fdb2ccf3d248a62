namespace Gregor.Protocol.Records;

/// <summary>
/// One record of a v2 batch, as read: its fields plus key, value and headers as slices of the
/// (possibly decompressed) records buffer, so reading copies nothing. Null and empty key/value
/// are distinct (<see cref="IsKeyNull"/>, <see cref="IsValueNull"/>). <see cref="Offset"/> and
/// <see cref="Timestamp"/> are resolved against the batch header. Valid only while the buffer it
/// slices is (for a compressed batch: until its <see cref="RecordBatchRecords"/> is disposed).
/// <code>
/// varint length | int8 attributes | varlong timestampDelta | varint offsetDelta
/// | varint keyLength (-1 = null) | key | varint valueLength (-1 = null) | value
/// | varint headerCount | headers...
/// </code>
/// </summary>
public readonly struct Record
{
    internal Record(int sizeInBytes, byte attributes, long timestampDelta, int offsetDelta, long offset, long timestamp,
        ReadOnlyMemory<byte> key, bool isKeyNull, ReadOnlyMemory<byte> value, bool isValueNull, RecordHeaders headers)
    {
        SizeInBytes = sizeInBytes;
        Attributes = attributes;
        TimestampDelta = timestampDelta;
        OffsetDelta = offsetDelta;
        Offset = offset;
        Timestamp = timestamp;
        Key = key;
        IsKeyNull = isKeyNull;
        Value = value;
        IsValueNull = isValueNull;
        Headers = headers;
    }

    /// <summary>Encoded size including the length prefix.</summary>
    public int SizeInBytes { get; }

    /// <summary>Record attributes (unused by Kafka today, always 0 from real clients).</summary>
    public byte Attributes { get; }

    public long TimestampDelta { get; }
    public int OffsetDelta { get; }

    /// <summary>baseOffset + offsetDelta.</summary>
    public long Offset { get; }

    /// <summary>baseTimestamp + timestampDelta, or the batch's maxTimestamp under LogAppendTime.</summary>
    public long Timestamp { get; }

    /// <summary>Key bytes; empty when <see cref="IsKeyNull"/>.</summary>
    public ReadOnlyMemory<byte> Key { get; }
    public bool IsKeyNull { get; }

    /// <summary>Value bytes; empty when <see cref="IsValueNull"/> (a tombstone).</summary>
    public ReadOnlyMemory<byte> Value { get; }
    public bool IsValueNull { get; }

    public RecordHeaders Headers { get; }
}
