using System.Buffers.Binary;

namespace Gregor.Protocol.Records;

/// <summary>
/// Encoding of the one record in a control batch:
/// <code>
/// key   (4 bytes): int16 version (0) | int16 type         e.g. 00 00 00 01 = COMMIT
/// value (6 bytes, transaction markers): int16 version (0) | int32 coordinatorEpoch
/// </code>
/// Readers accept newer versions and ignore trailing bytes, as Kafka does. Stateless.
/// </summary>
public static class ControlRecords
{
    public const short CurrentKeyVersion = 0;
    public const short CurrentEndTxnMarkerVersion = 0;
    public const int KeySize = 4;
    public const int EndTxnMarkerSize = 6;

    public static void WriteKey(Span<byte> destination, ControlRecordType type)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentKeyVersion);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], (short)type);
    }

    /// <summary>The type in a control record key; <see cref="ProtocolException"/> if the key is too short or its version negative.</summary>
    public static ControlRecordType ReadType(ReadOnlySpan<byte> key)
    {
        if (key.Length < KeySize)
        {
            throw new ProtocolException($"control record key has {key.Length} bytes, needs {KeySize}");
        }
        var version = BinaryPrimitives.ReadInt16BigEndian(key);
        if (version < 0)
        {
            throw new ProtocolException($"control record key version {version} is invalid");
        }
        return (ControlRecordType)BinaryPrimitives.ReadInt16BigEndian(key[2..]);
    }

    public static void WriteEndTxnMarker(Span<byte> destination, int coordinatorEpoch)
    {
        BinaryPrimitives.WriteInt16BigEndian(destination, CurrentEndTxnMarkerVersion);
        BinaryPrimitives.WriteInt32BigEndian(destination[2..], coordinatorEpoch);
    }

    /// <summary>The coordinator epoch of an abort/commit marker value.</summary>
    public static int ReadEndTxnMarkerCoordinatorEpoch(ReadOnlySpan<byte> value)
    {
        if (value.Length < EndTxnMarkerSize)
        {
            throw new ProtocolException($"end transaction marker has {value.Length} bytes, needs {EndTxnMarkerSize}");
        }
        var version = BinaryPrimitives.ReadInt16BigEndian(value);
        if (version < 0)
        {
            throw new ProtocolException($"end transaction marker version {version} is invalid");
        }
        return BinaryPrimitives.ReadInt32BigEndian(value[2..]);
    }

    /// <summary>
    /// Reads a transaction marker from a control batch's record. False when the record is not an
    /// abort/commit marker (e.g. a KRaft control record); throws for malformed key or value.
    /// </summary>
    public static bool TryReadEndTxnMarker(in Record record, out ControlRecordType type, out int coordinatorEpoch)
    {
        type = ReadType(record.Key.Span);
        coordinatorEpoch = 0;
        if (type is not (ControlRecordType.Abort or ControlRecordType.Commit))
        {
            return false;
        }
        coordinatorEpoch = ReadEndTxnMarkerCoordinatorEpoch(record.Value.Span);
        return true;
    }
}
