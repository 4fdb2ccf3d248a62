using System.Buffers.Binary;

namespace Gregor.Protocol.Records;

/// <summary>
/// A reflected CRC-32 in software, slicing-by-8 (eight 256-entry tables, eight bytes per step),
/// for any polynomial: CRC32C's fallback where the CPU has no CRC instruction, and the IEEE CRC
/// of gzip trailers (System.IO.Hashing is not available here). Immutable after construction,
/// so thread-safe.
/// </summary>
internal sealed class SlicingBy8Crc32
{
    private readonly uint[] _table;

    public SlicingBy8Crc32(uint reflectedPolynomial)
    {
        _table = BuildTable(reflectedPolynomial);
    }

    /// <summary>Continues a raw (not finalised) CRC; start with 0xFFFFFFFF and invert at the end.</summary>
    public uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var table = _table;
        while (data.Length >= 8)
        {
            var one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            var two = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = table[(7 * 256) + (one & 0xFF)] ^ table[(6 * 256) + ((one >> 8) & 0xFF)]
                ^ table[(5 * 256) + ((one >> 16) & 0xFF)] ^ table[(4 * 256) + (one >> 24)]
                ^ table[(3 * 256) + (two & 0xFF)] ^ table[(2 * 256) + ((two >> 8) & 0xFF)]
                ^ table[256 + ((two >> 16) & 0xFF)] ^ table[two >> 24];
            data = data[8..];
        }
        foreach (var b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        return crc;
    }

    private static uint[] BuildTable(uint polynomial)
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1;
            }
            table[i] = c;
        }
        for (var i = 0; i < 256; i++)
        {
            for (var slice = 1; slice < 8; slice++)
            {
                var prev = table[((slice - 1) * 256) + i];
                table[(slice * 256) + i] = (prev >> 8) ^ table[prev & 0xFF];
            }
        }
        return table;
    }
}
