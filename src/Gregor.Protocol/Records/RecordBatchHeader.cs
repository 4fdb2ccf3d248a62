using System.Buffers.Binary;

namespace Gregor.Protocol.Records;

/// <summary>
/// The fixed 61-byte header of a record batch, magic v2, as Kafka lays it out:
/// <code>
/// offset  size  field
///  0      8     baseOffset
///  8      4     batchLength          (bytes after this field: total size = 12 + batchLength)
/// 12      4     partitionLeaderEpoch
/// 16      1     magic (2)
/// 17      4     crc                  (CRC32C of bytes 21..end)
/// 21      2     attributes           (bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control, 6 delete horizon)
/// 23      4     lastOffsetDelta
/// 27      8     baseTimestamp
/// 35      8     maxTimestamp
/// 43      8     producerId
/// 51      2     producerEpoch
/// 53      4     baseSequence
/// 57      4     recordCount
/// 61            records...
/// </code>
/// Reading the header never touches the records, so storage and the broker can validate,
/// assign offsets and index a batch while keeping it as the bytes that were received.
/// </summary>
public readonly record struct RecordBatchHeader
{
    public const int Size = 61;
    public const int LogOverhead = 12; // baseOffset + batchLength
    public const byte CurrentMagic = 2;

    public const int BaseOffsetOffset = 0;
    public const int LengthOffset = 8;
    public const int PartitionLeaderEpochOffset = 12;
    public const int MagicOffset = 16;
    public const int CrcOffset = 17;
    public const int AttributesOffset = 21;
    public const int LastOffsetDeltaOffset = 23;
    public const int BaseTimestampOffset = 27;
    public const int MaxTimestampOffset = 35;
    public const int ProducerIdOffset = 43;
    public const int ProducerEpochOffset = 51;
    public const int BaseSequenceOffset = 53;
    public const int RecordCountOffset = 57;

    public const short CompressionMask = 0x07;
    public const short TimestampTypeFlag = 0x08;
    public const short TransactionalFlag = 0x10;
    public const short ControlFlag = 0x20;
    public const short DeleteHorizonFlag = 0x40;

    public long BaseOffset { get; init; }
    public int BatchLength { get; init; }
    public int PartitionLeaderEpoch { get; init; }
    public byte Magic { get; init; }
    public uint Crc { get; init; }
    public short Attributes { get; init; }
    public int LastOffsetDelta { get; init; }
    public long BaseTimestamp { get; init; }
    public long MaxTimestamp { get; init; }
    public long ProducerId { get; init; }
    public short ProducerEpoch { get; init; }
    public int BaseSequence { get; init; }
    public int RecordCount { get; init; }

    /// <summary>Size of the whole batch on the wire and on disk.</summary>
    public int TotalSize => LogOverhead + BatchLength;
    public long LastOffset => BaseOffset + LastOffsetDelta;
    public CompressionType Compression => (CompressionType)(Attributes & CompressionMask);
    public bool IsLogAppendTime => (Attributes & TimestampTypeFlag) != 0;
    public bool IsTransactional => (Attributes & TransactionalFlag) != 0;
    public bool IsControl => (Attributes & ControlFlag) != 0;
    public bool HasDeleteHorizon => (Attributes & DeleteHorizonFlag) != 0;
    public bool HasProducerId => ProducerId >= 0;

    /// <summary>
    /// Reads the header at the start of <paramref name="data"/>. Returns false when fewer than
    /// <see cref="Size"/> bytes are present. Throws <see cref="ProtocolException"/> for a
    /// batch length that cannot be a v2 batch or a magic other than 2. Does not check the CRC.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out RecordBatchHeader header)
    {
        if (data.Length < Size)
        {
            header = default;
            return false;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(data[LengthOffset..]);
        if (length < Size - LogOverhead)
        {
            throw new ProtocolException($"record batch length {length} is smaller than the v2 header");
        }
        var magic = data[MagicOffset];
        if (magic != CurrentMagic)
        {
            throw new ProtocolException($"record batch magic {magic} is not supported (only v2)");
        }
        header = new RecordBatchHeader
        {
            BaseOffset = BinaryPrimitives.ReadInt64BigEndian(data),
            BatchLength = length,
            PartitionLeaderEpoch = BinaryPrimitives.ReadInt32BigEndian(data[PartitionLeaderEpochOffset..]),
            Magic = magic,
            Crc = BinaryPrimitives.ReadUInt32BigEndian(data[CrcOffset..]),
            Attributes = BinaryPrimitives.ReadInt16BigEndian(data[AttributesOffset..]),
            LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(data[LastOffsetDeltaOffset..]),
            BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(data[BaseTimestampOffset..]),
            MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(data[MaxTimestampOffset..]),
            ProducerId = BinaryPrimitives.ReadInt64BigEndian(data[ProducerIdOffset..]),
            ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(data[ProducerEpochOffset..]),
            BaseSequence = BinaryPrimitives.ReadInt32BigEndian(data[BaseSequenceOffset..]),
            RecordCount = BinaryPrimitives.ReadInt32BigEndian(data[RecordCountOffset..]),
        };
        return true;
    }

    /// <summary>True when the stored CRC matches CRC32C over attributes..end of the batch.</summary>
    public static bool IsCrcValid(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < Size)
        {
            return false;
        }
        var stored = BinaryPrimitives.ReadUInt32BigEndian(batch[CrcOffset..]);
        return Crc32C.Compute(batch[AttributesOffset..]) == stored;
    }

    /// <summary>Recomputes and stores the CRC after header fields covered by it were patched.</summary>
    public static void WriteCrc(Span<byte> batch) =>
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], Crc32C.Compute(batch[AttributesOffset..]));

    /// <summary>Sets baseOffset in place; it lies outside the CRC, so no recomputation.</summary>
    public static void WriteBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    /// <summary>Sets partitionLeaderEpoch in place; outside the CRC as well.</summary>
    public static void WritePartitionLeaderEpoch(Span<byte> batch, int epoch) =>
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], epoch);
}
