using System.Buffers;
using System.Runtime.InteropServices;

namespace Gregor.Protocol.Compression;

/// <summary>
/// LZ4 in the standard LZ4 frame format (magic 04 22 4D 18), which Kafka uses for record batch
/// v2 (Java's KafkaLZ4BlockOutputStream, librdkafka's LZ4F). Calls Debian's <c>liblz4.so.1</c>
/// frame API. Writes 64 KiB independent blocks without checksums or content size, as the Java
/// client does; reads any frame the library accepts (block/content checksums, linked blocks,
/// content size, several concatenated frames). Stateless; each call owns its own context.
/// </summary>
internal static partial class Lz4FrameCodec
{
    private const string Library = "liblz4.so.1";
    private const uint Lz4FVersion = 100;
    private const int BlockSize64Kb = 4; // LZ4F_max64KB
    private const int BlockIndependent = 1;

    public static unsafe void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var preferences = new Preferences { BlockSizeId = BlockSize64Kb, BlockMode = BlockIndependent };
        try
        {
            var bound = (int)CompressFrameBound((nuint)source.Length, &preferences);
            var span = destination.GetSpan(bound);
            nuint written;
            fixed (byte* src = source)
            fixed (byte* dst = span)
            {
                written = CompressFrame(dst, (nuint)span.Length, src, (nuint)source.Length, &preferences);
            }
            ThrowIfError(written);
            destination.Advance((int)written);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new CompressionLibraryMissingException(Library, "liblz4-1", e);
        }
    }

    public static unsafe int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxBytes)
    {
        if (source.IsEmpty)
        {
            throw new ProtocolException("lz4 data is empty");
        }
        var output = new BoundedOutput(destination, maxBytes, "lz4");
        nint context = 0;
        try
        {
            ThrowIfError(CreateDecompressionContext(&context, Lz4FVersion));
            var consumed = 0;
            while (true)
            {
                var chunk = output.NextChunk();
                var dstSize = (nuint)chunk.Length;
                var srcSize = (nuint)(source.Length - consumed);
                nuint hint;
                fixed (byte* src = source)
                fixed (byte* dst = chunk)
                {
                    hint = DecompressNative(context, dst, &dstSize, src + consumed, &srcSize, null);
                }
                ThrowIfError(hint);
                consumed += (int)srcSize;
                output.Advance((int)dstSize);
                if (hint == 0 && consumed == source.Length)
                {
                    return output.Written; // frame complete and every input byte used
                }
                if (srcSize == 0 && dstSize == 0)
                {
                    throw new ProtocolException("lz4 frame is truncated");
                }
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new CompressionLibraryMissingException(Library, "liblz4-1", e);
        }
        finally
        {
            if (context != 0)
            {
                FreeDecompressionContext(context);
            }
        }
    }

    private static void ThrowIfError(nuint code)
    {
        if (IsError(code) != 0)
        {
            throw new ProtocolException($"lz4 frame error: {Marshal.PtrToStringUTF8(GetErrorName(code))}");
        }
    }

    // LZ4F_preferences_t (lz4frame.h): LZ4F_frameInfo_t followed by level and flags.
    [StructLayout(LayoutKind.Sequential)]
    private struct Preferences
    {
        public int BlockSizeId;
        public int BlockMode;
        public int ContentChecksumFlag;
        public int FrameType;
        public ulong ContentSize;
        public uint DictId;
        public int BlockChecksumFlag;
        public int CompressionLevel;
        public uint AutoFlush;
        public uint FavorDecSpeed;
        public uint Reserved0;
        public uint Reserved1;
        public uint Reserved2;
    }

    [LibraryImport(Library, EntryPoint = "LZ4F_compressFrameBound")]
    private static unsafe partial nuint CompressFrameBound(nuint srcSize, Preferences* preferences);

    [LibraryImport(Library, EntryPoint = "LZ4F_compressFrame")]
    private static unsafe partial nuint CompressFrame(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, Preferences* preferences);

    [LibraryImport(Library, EntryPoint = "LZ4F_isError")]
    private static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "LZ4F_getErrorName")]
    private static partial nint GetErrorName(nuint code);

    [LibraryImport(Library, EntryPoint = "LZ4F_createDecompressionContext")]
    private static unsafe partial nuint CreateDecompressionContext(nint* context, uint version);

    [LibraryImport(Library, EntryPoint = "LZ4F_freeDecompressionContext")]
    private static partial nuint FreeDecompressionContext(nint context);

    [LibraryImport(Library, EntryPoint = "LZ4F_decompress")]
    private static unsafe partial nuint DecompressNative(nint context, byte* dst, nuint* dstSize, byte* src, nuint* srcSize, void* options);
}
