using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Gregor.Protocol.Compression;

/// <summary>
/// Kafka's gzip: one RFC 1952 member (Java's GZIPOutputStream, librdkafka's zlib, Python's gzip).
/// GZipStream silently stops at the end of truncated input, so after inflating, the member's
/// trailer (CRC-32 and length of the output) is checked as Java's GZIPInputStream does; this
/// catches truncation and damage. Several concatenated members are therefore not accepted (no
/// Kafka client writes them). Stateless.
/// </summary>
internal static class GzipCodec
{
    private const int TrailerSize = 8;

    // GZipStream writes nothing at all for empty input; Kafka clients expect a complete member.
    private static ReadOnlySpan<byte> EmptyMember =>
        [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        if (source.IsEmpty)
        {
            EmptyMember.CopyTo(destination.GetSpan(EmptyMember.Length));
            destination.Advance(EmptyMember.Length);
            return;
        }
        using var gzip = new GZipStream(new BufferWriterStream(destination), CompressionLevel.Optimal, leaveOpen: false);
        gzip.Write(source);
    }

    public static unsafe int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxBytes)
    {
        if (source.IsEmpty)
        {
            throw new ProtocolException("gzip data is empty");
        }
        var output = new BoundedOutput(destination, maxBytes, "gzip");
        fixed (byte* input = source)
        {
            using var stream = new UnmanagedMemoryStream(input, source.Length);
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            var crc = 0xFFFFFFFF;
            while (true)
            {
                int read;
                Span<byte> chunk;
                try
                {
                    chunk = output.NextChunk();
                    read = gzip.Read(chunk);
                }
                catch (InvalidDataException e)
                {
                    throw new ProtocolException($"gzip data is corrupt: {e.Message}");
                }
                if (read == 0)
                {
                    break;
                }
                crc = Crc32Ieee.Append(crc, chunk[..read]);
                output.Advance(read);
            }
            if (source.Length < TrailerSize
                || BinaryPrimitives.ReadUInt32LittleEndian(source[^8..]) != ~crc
                || BinaryPrimitives.ReadUInt32LittleEndian(source[^4..]) != (uint)output.Written)
            {
                throw new ProtocolException("gzip data is truncated or corrupt (trailer CRC-32/length mismatch)");
            }
        }
        return output.Written;
    }
}
