using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Gregor.Protocol.Compression;

/// <summary>
/// Zstandard frames through Debian's <c>libzstd.so.1</c>. Compression is one-shot at level 3
/// (Kafka's and librdkafka's default). Decompression streams (<c>ZSTD_decompressStream</c>),
/// because frames written by streaming encoders (zstd-jni, librdkafka) may not carry their
/// content size; the window the library may allocate is capped near the output cap, so a frame
/// announcing a huge window is rejected instead of reserving it. Stateless; one stream per call.
/// </summary>
internal static partial class ZstdCodec
{
    private const string Library = "libzstd.so.1";
    private const int DefaultLevel = 3;
    private const int WindowLogMaxParameter = 100; // ZSTD_d_windowLogMax
    private const int MinWindowLog = 23; // 8 MiB: what every level up to 19 uses
    private const int MaxWindowLog = 27; // libzstd's own default limit

    public static unsafe void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        try
        {
            var bound = (int)CompressBound((nuint)source.Length);
            var span = destination.GetSpan(bound);
            nuint written;
            fixed (byte* src = source)
            fixed (byte* dst = span)
            {
                written = CompressNative(dst, (nuint)span.Length, src, (nuint)source.Length, DefaultLevel);
            }
            ThrowIfError(written);
            destination.Advance((int)written);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new CompressionLibraryMissingException(Library, "libzstd1", e);
        }
    }

    public static unsafe int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxBytes)
    {
        if (source.IsEmpty)
        {
            throw new ProtocolException("zstd data is empty");
        }
        var output = new BoundedOutput(destination, maxBytes, "zstd");
        nint stream = 0;
        try
        {
            stream = CreateDStream();
            if (stream == 0)
            {
                throw new OutOfMemoryException("ZSTD_createDStream failed");
            }
            ThrowIfError(InitDStream(stream));
            var windowLog = Math.Clamp(BitOperations.Log2((uint)Math.Max(1, maxBytes) - 1) + 1, MinWindowLog, MaxWindowLog);
            ThrowIfError(SetParameter(stream, WindowLogMaxParameter, windowLog));
            fixed (byte* src = source)
            {
                var input = new InBuffer { Source = src, Size = (nuint)source.Length, Position = 0 };
                while (true)
                {
                    var chunk = output.NextChunk();
                    nuint hint;
                    OutBuffer outBuffer;
                    var before = input.Position;
                    fixed (byte* dst = chunk)
                    {
                        outBuffer = new OutBuffer { Destination = dst, Size = (nuint)chunk.Length, Position = 0 };
                        hint = DecompressStream(stream, &outBuffer, &input);
                    }
                    ThrowIfError(hint);
                    output.Advance((int)outBuffer.Position);
                    if (hint == 0 && input.Position == input.Size)
                    {
                        return output.Written; // last frame finished, all input used
                    }
                    if (input.Position == before && outBuffer.Position == 0)
                    {
                        throw new ProtocolException("zstd frame is truncated");
                    }
                }
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new CompressionLibraryMissingException(Library, "libzstd1", e);
        }
        finally
        {
            if (stream != 0)
            {
                FreeDStream(stream);
            }
        }
    }

    private static void ThrowIfError(nuint code)
    {
        if (IsError(code) != 0)
        {
            throw new ProtocolException($"zstd error: {Marshal.PtrToStringUTF8(GetErrorName(code))}");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct InBuffer
    {
        public byte* Source;
        public nuint Size;
        public nuint Position;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct OutBuffer
    {
        public byte* Destination;
        public nuint Size;
        public nuint Position;
    }

    [LibraryImport(Library, EntryPoint = "ZSTD_compressBound")]
    private static partial nuint CompressBound(nuint srcSize);

    [LibraryImport(Library, EntryPoint = "ZSTD_compress")]
    private static unsafe partial nuint CompressNative(byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int level);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    private static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    private static partial nint GetErrorName(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_createDStream")]
    private static partial nint CreateDStream();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDStream")]
    private static partial nuint FreeDStream(nint stream);

    [LibraryImport(Library, EntryPoint = "ZSTD_initDStream")]
    private static partial nuint InitDStream(nint stream);

    [LibraryImport(Library, EntryPoint = "ZSTD_DCtx_setParameter")]
    private static partial nuint SetParameter(nint stream, int parameter, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressStream")]
    private static unsafe partial nuint DecompressStream(nint stream, OutBuffer* output, InBuffer* input);
}
