using Gregor.Protocol.Records;

namespace Gregor.Protocol.Compression;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum in a gzip trailer.
/// Stateless and thread-safe.
/// </summary>
internal static class Crc32Ieee
{
    private static readonly SlicingBy8Crc32 Software = new(0xEDB88320);

    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFF, data);

    /// <summary>Continues a raw (not finalised) CRC; start with 0xFFFFFFFF and invert at the end.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => Software.Append(crc, data);
}
