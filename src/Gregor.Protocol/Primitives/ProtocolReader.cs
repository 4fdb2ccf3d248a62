using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Gregor.Protocol.Primitives;

/// <summary>
/// Reads Kafka wire primitives from one complete frame held in memory. Lengths are checked
/// against the bytes that remain before anything is allocated, so a hostile length prefix or
/// array count costs at most the frame's size. <c>records</c> and <c>bytes</c> can be taken as
/// slices of the frame (no copy). A mutable struct: pass it by <c>ref</c>. Not thread-safe.
/// </summary>
public struct ProtocolReader(ReadOnlyMemory<byte> buffer)
{
    private readonly ReadOnlyMemory<byte> _buffer = buffer;
    private int _position;

    public readonly int Position => _position;
    public readonly int Remaining => _buffer.Length - _position;
    public readonly bool End => _position >= _buffer.Length;
    public readonly ReadOnlyMemory<byte> Buffer => _buffer;

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw new ProtocolException($"need {count} bytes at offset {_position}, {Remaining} left");
        }
        var span = _buffer.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    public ReadOnlyMemory<byte> ReadMemory(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            throw new ProtocolException($"need {count} bytes at offset {_position}, {Remaining} left");
        }
        var memory = _buffer.Slice(_position, count);
        _position += count;
        return memory;
    }

    public void Skip(int count) => Take(count);

    public sbyte ReadInt8() => (sbyte)Take(1)[0];
    public bool ReadBool() => Take(1)[0] != 0;
    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));
    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));
    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));
    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    /// <summary>Unsigned LEB128 varint, at most 5 bytes for 32 bits.</summary>
    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            if (shift == 28 && b > 0x0F)
            {
                throw new ProtocolException("varint overflows 32 bits");
            }
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new ProtocolException("varint longer than 5 bytes");
    }

    public int ReadVarInt()
    {
        var raw = ReadUnsignedVarInt();
        return (int)(raw >> 1) ^ -(int)(raw & 1);
    }

    public ulong ReadUnsignedVarLong()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = Take(1)[0];
            if (shift == 63 && b > 0x01)
            {
                throw new ProtocolException("varlong overflows 64 bits");
            }
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new ProtocolException("varlong longer than 10 bytes");
    }

    public long ReadVarLong()
    {
        var raw = ReadUnsignedVarLong();
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }

    /// <summary>Length of a compact field: unsigned varint N+1, where 0 means null (-1).</summary>
    public int ReadCompactLength()
    {
        var raw = ReadUnsignedVarInt();
        if (raw > int.MaxValue)
        {
            throw new ProtocolException($"compact length {raw} too large");
        }
        return (int)raw - 1;
    }

    private int CheckLength(int length, bool nullable, string what)
    {
        if (length < -1 || (length == -1 && !nullable))
        {
            throw new ProtocolException($"invalid {what} length {length} at offset {_position}");
        }
        if (length > Remaining)
        {
            throw new ProtocolException($"{what} length {length} exceeds the {Remaining} bytes left");
        }
        return length;
    }

    public string? ReadString(bool compact, bool nullable)
    {
        var length = compact ? ReadCompactLength() : ReadInt16();
        if (CheckLength(length, nullable, "string") < 0)
        {
            return null;
        }
        return length == 0 ? string.Empty : DecodeUtf8(Take(length));
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException("string is not valid UTF-8");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>A <c>bytes</c> field as a slice of the frame; null when the length is -1.</summary>
    public ReadOnlyMemory<byte>? ReadBytes(bool compact, bool nullable)
    {
        var length = compact ? ReadCompactLength() : ReadInt32();
        if (CheckLength(length, nullable, "bytes") < 0)
        {
            return null;
        }
        return ReadMemory(length);
    }

    /// <summary>
    /// Array element count, checked against the bytes left: every element takes at least
    /// <paramref name="minElementSize"/> bytes, so a count larger than the frame can hold is
    /// rejected before a list is allocated for it.
    /// </summary>
    public int ReadArrayLength(bool compact, bool nullable, int minElementSize = 1)
    {
        var count = compact ? ReadCompactLength() : ReadInt32();
        if (count < -1 || (count == -1 && !nullable))
        {
            throw new ProtocolException($"invalid array length {count} at offset {_position}");
        }
        if (count > 0 && (long)count * Math.Max(1, minElementSize) > Remaining)
        {
            throw new ProtocolException($"array of {count} elements cannot fit in the {Remaining} bytes left");
        }
        return count;
    }

    /// <summary>The tag of a tagged field (unsigned varint that must fit an int).</summary>
    public int ReadTag()
    {
        var raw = ReadUnsignedVarInt();
        if (raw > int.MaxValue)
        {
            throw new ProtocolException($"tag {raw} too large");
        }
        return (int)raw;
    }

    /// <summary>The size of a tagged field, checked against the bytes left.</summary>
    public int ReadTaggedFieldSize()
    {
        var raw = ReadUnsignedVarInt();
        if (raw > (uint)Remaining)
        {
            throw new ProtocolException($"tagged field of {raw} bytes exceeds the {Remaining} bytes left");
        }
        return (int)raw;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ReadOnlySpan<byte> PeekRemaining() => _buffer.Span[_position..];
}
