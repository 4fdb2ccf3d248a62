using System.Buffers.Binary;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Gregor.Protocol.Records;

/// <summary>
/// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of record batch v2.
/// Uses the SSE4.2 / ARMv8 CRC instructions (8 bytes per instruction) where present and a
/// slicing-by-8 table otherwise. Stateless and thread-safe.
/// </summary>
public static class Crc32C
{
    private const uint Polynomial = 0x82F63B78;
    private static readonly uint[] Table = BuildTable();

    /// <summary>CRC32C of <paramref name="data"/> (initial value and final xor 0xFFFFFFFF).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFF, data);

    /// <summary>Continues a raw (not finalised) CRC over more data.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            return AppendSse42X64(crc, data);
        }
        if (Sse42.IsSupported)
        {
            return AppendSse42(crc, data);
        }
        if (Crc32.Arm64.IsSupported)
        {
            return AppendArm64(crc, data);
        }
        return AppendSoftware(crc, data);
    }

    private static uint AppendSse42X64(uint crc, ReadOnlySpan<byte> data)
    {
        ulong c = crc;
        while (data.Length >= 8)
        {
            c = Sse42.X64.Crc32(c, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        var c32 = (uint)c;
        foreach (var b in data)
        {
            c32 = Sse42.Crc32(c32, b);
        }
        return c32;
    }

    private static uint AppendSse42(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 4)
        {
            crc = Sse42.Crc32(crc, BinaryPrimitives.ReadUInt32LittleEndian(data));
            data = data[4..];
        }
        foreach (var b in data)
        {
            crc = Sse42.Crc32(crc, b);
        }
        return crc;
    }

    private static uint AppendArm64(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = Crc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
        {
            crc = Crc32.ComputeCrc32C(crc, b);
        }
        return crc;
    }

    /// <summary>Portable slicing-by-8; public so tests can check it against the intrinsics.</summary>
    public static uint AppendSoftware(uint crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
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

    private static uint[] BuildTable()
    {
        var table = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
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
