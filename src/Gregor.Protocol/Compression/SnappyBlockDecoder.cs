using System.Buffers.Binary;

namespace Gregor.Protocol.Compression;

/// <summary>
/// Decodes one raw snappy block straight into the caller's span (IronSnappy's decoder returns a
/// new array per block, which on the fetch/produce validation path would allocate as much as it
/// decompresses). Format: uvarint uncompressedLength, then elements whose tag's low two bits say
/// literal (00), copy with 1-byte (01), 2-byte (10) or 4-byte (11) offset. Every length and
/// offset is checked against the input and the output written so far; violations throw
/// <see cref="ProtocolException"/>. Stateless.
/// </summary>
internal static class SnappyBlockDecoder
{
    /// <summary>The uncompressed length a block declares, and the size of that prefix.</summary>
    public static (long Length, int PrefixSize) ReadDeclaredLength(ReadOnlySpan<byte> block)
    {
        ulong value = 0;
        for (var i = 0; i < Math.Min(block.Length, 5); i++)
        {
            value |= (ulong)(block[i] & 0x7F) << (7 * i);
            if ((block[i] & 0x80) == 0)
            {
                if (value > int.MaxValue)
                {
                    throw new ProtocolException($"snappy block declares {value} bytes");
                }
                return ((long)value, i + 1);
            }
        }
        throw new ProtocolException("snappy block length prefix is truncated or too long");
    }

    /// <summary>Decodes the elements after the length prefix into exactly <paramref name="output"/>.Length bytes.</summary>
    public static void Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var pos = 0;
        var written = 0;
        while (pos < input.Length)
        {
            var tag = input[pos++];
            int length;
            int offset;
            switch (tag & 0x03)
            {
                case 0:
                    length = tag >> 2;
                    if (length >= 60)
                    {
                        var extra = length - 59; // 1..4 little-endian length bytes follow
                        if (input.Length - pos < extra)
                        {
                            throw Corrupt("literal length is truncated");
                        }
                        uint value = 0;
                        for (var i = 0; i < extra; i++)
                        {
                            value |= (uint)input[pos + i] << (8 * i);
                        }
                        pos += extra;
                        if (value >= int.MaxValue)
                        {
                            throw Corrupt("literal is too long");
                        }
                        length = (int)value;
                    }
                    length += 1;
                    if (length > input.Length - pos || length > output.Length - written)
                    {
                        throw Corrupt("literal runs past the input or the declared length");
                    }
                    input.Slice(pos, length).CopyTo(output[written..]);
                    pos += length;
                    written += length;
                    continue;
                case 1:
                    if (pos >= input.Length)
                    {
                        throw Corrupt("copy is truncated");
                    }
                    length = 4 + ((tag >> 2) & 0x07);
                    offset = ((tag >> 5) << 8) | input[pos++];
                    break;
                case 2:
                    if (input.Length - pos < 2)
                    {
                        throw Corrupt("copy is truncated");
                    }
                    length = (tag >> 2) + 1;
                    offset = BinaryPrimitives.ReadUInt16LittleEndian(input[pos..]);
                    pos += 2;
                    break;
                default:
                    if (input.Length - pos < 4)
                    {
                        throw Corrupt("copy is truncated");
                    }
                    length = (tag >> 2) + 1;
                    var wide = BinaryPrimitives.ReadUInt32LittleEndian(input[pos..]);
                    if (wide > int.MaxValue)
                    {
                        throw Corrupt("copy offset is too large");
                    }
                    offset = (int)wide;
                    pos += 4;
                    break;
            }
            if (offset == 0 || offset > written || length > output.Length - written)
            {
                throw Corrupt($"copy of {length} bytes at offset {offset} is out of range");
            }
            if (offset >= length)
            {
                output.Slice(written - offset, length).CopyTo(output[written..]);
            }
            else
            {
                // Overlapping copy repeats the last `offset` bytes: must go byte by byte.
                for (var i = 0; i < length; i++)
                {
                    output[written + i] = output[written - offset + i];
                }
            }
            written += length;
        }
        if (written != output.Length)
        {
            throw Corrupt($"decoded {written} bytes, the block declares {output.Length}");
        }
    }

    private static ProtocolException Corrupt(string reason) => new($"snappy data is corrupt: {reason}");
}
