namespace Gregor.Protocol.Records;

/// <summary>
/// One record batch whose header was parsed once and checked by <see cref="RecordBatchValidator"/>:
/// its length fits the bytes, magic is 2, its CRC32C matched, and the rules it was validated
/// against held. Every later step of an append (producer state, timestamps, offset assignment,
/// the segment write and its index entries) reads the fields from here instead of parsing the
/// bytes again. Only the validator creates one (<c>default</c> has <see cref="Size"/> 0 and is
/// refused by appends), so holding one is the proof that the bytes were checked.
/// <para>
/// The bytes themselves are not held: a batch stays the caller's buffer, patched in place.
/// <see cref="WithAssignedOffsets"/> and <see cref="WithLogAppendTime"/> describe the header
/// after such a patch.
/// </para>
/// </summary>
public readonly struct ValidatedBatch
{
    internal ValidatedBatch(in RecordBatchHeader header) => Header = header;

    /// <summary>The parsed header (base offset and leader epoch as sent, until assigned).</summary>
    public RecordBatchHeader Header { get; }

    /// <summary>Bytes of the whole batch, header included.</summary>
    public int Size => Header.TotalSize;

    public long BaseOffset => Header.BaseOffset;

    public long LastOffset => Header.LastOffset;

    public int LastOffsetDelta => Header.LastOffsetDelta;

    public int RecordCount => Header.RecordCount;

    public long ProducerId => Header.ProducerId;

    public short ProducerEpoch => Header.ProducerEpoch;

    public int BaseSequence => Header.BaseSequence;

    public bool HasProducerId => Header.HasProducerId;

    /// <summary>The base timestamp: the first record's (for CreateTime).</summary>
    public long FirstTimestamp => Header.BaseTimestamp;

    public long MaxTimestamp => Header.MaxTimestamp;

    public CompressionType Compression => Header.Compression;

    public TimestampType TimestampType => Header.IsLogAppendTime ? TimestampType.LogAppendTime : TimestampType.CreateTime;

    public bool IsTransactional => Header.IsTransactional;

    public bool IsControl => Header.IsControl;

    /// <summary>The header once the leader assigned its base offset and stamped its epoch (both outside the CRC).</summary>
    public ValidatedBatch WithAssignedOffsets(long baseOffset, int partitionLeaderEpoch) =>
        new(Header with { BaseOffset = baseOffset, PartitionLeaderEpoch = partitionLeaderEpoch });

    /// <summary>The header once stamped with the broker's append time (timestamp-type bit and maxTimestamp; the CRC is rewritten with them).</summary>
    public ValidatedBatch WithLogAppendTime(long appendTimeMs) =>
        new(Header with { Attributes = (short)(Header.Attributes | RecordBatchHeader.TimestampTypeFlag), MaxTimestamp = appendTimeMs });
}
