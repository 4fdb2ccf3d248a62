using System.Buffers;
using System.IO.Compression;

namespace Gregor.Protocol.Compression;

/// <summary>
/// Kafka's gzip: a plain RFC 1952 stream (Java's GZIPOutputStream, librdkafka's zlib). Several
/// concatenated members are accepted on read, as GZipStream does. Stateless.
/// </summary>
internal static class GzipCodec
{
    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        using var gzip = new GZipStream(new BufferWriterStream(destination), CompressionLevel.Optimal, leaveOpen: false);
        gzip.Write(source);
    }

    public static unsafe int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxBytes)
    {
        var output = new BoundedOutput(destination, maxBytes, "gzip");
        fixed (byte* input = source)
        {
            using var stream = new UnmanagedMemoryStream(input, source.Length);
            using var gzip = new GZipStream(stream, CompressionMode.Decompress);
            while (true)
            {
                int read;
                try
                {
                    read = gzip.Read(output.NextChunk());
                }
                catch (InvalidDataException e)
                {
                    throw new ProtocolException($"gzip data is corrupt: {e.Message}");
                }
                if (read == 0)
                {
                    break;
                }
                output.Advance(read);
            }
        }
        return output.Written;
    }
}
