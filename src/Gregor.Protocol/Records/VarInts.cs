using System.Runtime.CompilerServices;

namespace Gregor.Protocol.Records;

/// <summary>
/// Zigzag varint/varlong reading, writing and sizing over spans, for the per-record fields of
/// batch v2 (the hot path, so no reader struct and no bounds beyond the span's own). Every read
/// throws <see cref="ProtocolException"/> on truncation or an over-long encoding.
/// </summary>
internal static class VarInts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ReadVarInt(ReadOnlySpan<byte> span, ref int position)
    {
        var pos = position;
        if ((uint)pos < (uint)span.Length && span[pos] < 0x80)
        {
            // One-byte fast path: most deltas, lengths and counts are small.
            position = pos + 1;
            uint one = span[pos];
            return (int)(one >> 1) ^ -(int)(one & 1);
        }
        uint raw = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if ((uint)pos >= (uint)span.Length)
            {
                throw new ProtocolException("varint is truncated");
            }
            var b = span[pos++];
            if (shift == 28 && b > 0x0F)
            {
                throw new ProtocolException("varint overflows 32 bits");
            }
            raw |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                position = pos;
                return (int)(raw >> 1) ^ -(int)(raw & 1);
            }
        }
        throw new ProtocolException("varint longer than 5 bytes");
    }

    public static long ReadVarLong(ReadOnlySpan<byte> span, ref int position)
    {
        var pos = position;
        ulong raw = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if ((uint)pos >= (uint)span.Length)
            {
                throw new ProtocolException("varlong is truncated");
            }
            var b = span[pos++];
            if (shift == 63 && b > 0x01)
            {
                throw new ProtocolException("varlong overflows 64 bits");
            }
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                position = pos;
                return (long)(raw >> 1) ^ -(long)(raw & 1);
            }
        }
        throw new ProtocolException("varlong longer than 10 bytes");
    }

    public static int SizeOfVarInt(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfVarLong(long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        var size = 1;
        while (raw >= 0x80)
        {
            raw >>= 7;
            size++;
        }
        return size;
    }

    private static int SizeOfUnsigned(uint raw)
    {
        var size = 1;
        while (raw >= 0x80)
        {
            raw >>= 7;
            size++;
        }
        return size;
    }

    public static int WriteVarInt(Span<byte> destination, int value)
    {
        var raw = (uint)((value << 1) ^ (value >> 31));
        var i = 0;
        while (raw >= 0x80)
        {
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }
        destination[i++] = (byte)raw;
        return i;
    }

    public static int WriteVarLong(Span<byte> destination, long value)
    {
        var raw = (ulong)((value << 1) ^ (value >> 63));
        var i = 0;
        while (raw >= 0x80)
        {
            destination[i++] = (byte)(raw | 0x80);
            raw >>= 7;
        }
        destination[i++] = (byte)raw;
        return i;
    }
}
