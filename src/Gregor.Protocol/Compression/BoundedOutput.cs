using System.Buffers;

namespace Gregor.Protocol.Compression;

/// <summary>
/// Counts what a decompressor writes into the caller's buffer and refuses to go past the cap, so
/// a small hostile input (a "zip bomb") costs at most <c>maxBytes</c> of memory. Each chunk asks
/// for one byte more than the cap allows: if the decoder fills it, the output is too large.
/// A mutable struct used by one decompression call; not thread-safe.
/// </summary>
internal struct BoundedOutput(IBufferWriter<byte> destination, int maxBytes, string codec)
{
    public const int ChunkSize = 64 * 1024;

    public int Written { get; private set; }

    /// <summary>A span to decompress into, at most one byte past the cap.</summary>
    public readonly Span<byte> NextChunk()
    {
        var allowed = (long)maxBytes - Written + 1;
        var size = (int)Math.Min(ChunkSize, allowed);
        var span = destination.GetSpan(size);
        return span.Length > size ? span[..size] : span;
    }

    /// <summary>A span of exactly <paramref name="count"/> bytes; call <see cref="CheckCapacity"/> first.</summary>
    public readonly Span<byte> Reserve(int count) => destination.GetSpan(Math.Max(1, count))[..count];

    public void Advance(int count)
    {
        if ((long)Written + count > maxBytes)
        {
            throw new ProtocolException($"{codec} data decompresses to more than the {maxBytes}-byte limit");
        }
        destination.Advance(count);
        Written += count;
    }

    /// <summary>Copies an already decoded block, checking the cap first.</summary>
    public void Write(ReadOnlySpan<byte> block)
    {
        if ((long)Written + block.Length > maxBytes)
        {
            throw new ProtocolException($"{codec} data decompresses to more than the {maxBytes}-byte limit");
        }
        block.CopyTo(destination.GetSpan(block.Length));
        destination.Advance(block.Length);
        Written += block.Length;
    }

    public readonly void CheckCapacity(long declaredSize)
    {
        if (declaredSize < 0 || Written + declaredSize > maxBytes)
        {
            throw new ProtocolException($"{codec} block declares {declaredSize} bytes, past the {maxBytes}-byte limit");
        }
    }
}
