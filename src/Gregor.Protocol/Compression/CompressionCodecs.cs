using System.Buffers;
using Gregor.Protocol.Records;

namespace Gregor.Protocol.Compression;

/// <summary>
/// The one entry point for the codecs of record batch v2: gzip (System.IO.Compression), snappy
/// (IronSnappy; xerial framing written, xerial or raw read), lz4 (LZ4 frame via liblz4.so.1) and
/// zstd (libzstd.so.1). Decompression is always bounded: past <c>maxBytes</c> of output it throws
/// <see cref="ProtocolException"/>, and corrupt input of any codec throws the same. A missing
/// native library throws <see cref="CompressionLibraryMissingException"/>. Stateless and thread-safe.
/// </summary>
public static class CompressionCodecs
{
    /// <summary>Default cap on one batch's decompressed records: 64 MiB.</summary>
    public const int DefaultMaxDecompressedBytes = 64 * 1024 * 1024;

    /// <summary>Appends <paramref name="source"/> compressed with <paramref name="type"/> to <paramref name="destination"/>.</summary>
    public static void Compress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        switch (type)
        {
            case CompressionType.None:
                source.CopyTo(destination.GetSpan(source.Length));
                destination.Advance(source.Length);
                break;
            case CompressionType.Gzip:
                GzipCodec.Compress(source, destination);
                break;
            case CompressionType.Snappy:
                SnappyCodec.Compress(source, destination);
                break;
            case CompressionType.Lz4:
                Lz4FrameCodec.Compress(source, destination);
                break;
            case CompressionType.Zstd:
                ZstdCodec.Compress(source, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unknown compression type");
        }
    }

    /// <summary>Writes one raw snappy block without xerial framing (what some non-Java clients send).</summary>
    public static void CompressSnappyRaw(ReadOnlySpan<byte> source, IBufferWriter<byte> destination) =>
        SnappyCodec.CompressRaw(source, destination);

    /// <summary>
    /// Appends the decompressed form of <paramref name="source"/> to <paramref name="destination"/>
    /// and returns its length. Throws <see cref="ProtocolException"/> for corrupt or truncated
    /// input, an unknown codec, or output longer than <paramref name="maxBytes"/>.
    /// </summary>
    public static int Decompress(CompressionType type, ReadOnlySpan<byte> source, IBufferWriter<byte> destination,
        int maxBytes = DefaultMaxDecompressedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        switch (type)
        {
            case CompressionType.None:
                var output = new BoundedOutput(destination, maxBytes, "uncompressed");
                output.Write(source);
                return source.Length;
            case CompressionType.Gzip:
                return GzipCodec.Decompress(source, destination, maxBytes);
            case CompressionType.Snappy:
                return SnappyCodec.Decompress(source, destination, maxBytes);
            case CompressionType.Lz4:
                return Lz4FrameCodec.Decompress(source, destination, maxBytes);
            case CompressionType.Zstd:
                return ZstdCodec.Decompress(source, destination, maxBytes);
            default:
                throw new ProtocolException($"unknown compression type {(int)type}");
        }
    }
}
