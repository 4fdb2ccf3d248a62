using System.Buffers;

namespace Gregor.Protocol.Records;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over arrays rented from the shared pool, whose final
/// array can be handed over (<see cref="Detach"/>) instead of copied. Used to decompress a batch's
/// records. Single owner; not thread-safe.
/// </summary>
internal sealed class PooledBufferWriter(int initialCapacity) : IBufferWriter<byte>, IDisposable
{
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(256, initialCapacity));
    private int _length;

    public int Length => _length;

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => Buffer(sizeHint).AsMemory(_length);

    public Span<byte> GetSpan(int sizeHint = 0) => Buffer(sizeHint).AsSpan(_length);

    private byte[] Buffer(int sizeHint)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(PooledBufferWriter));
        var needed = (long)_length + Math.Max(1, sizeHint);
        if (needed <= buffer.Length)
        {
            return buffer;
        }
        var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * buffer.Length)));
        buffer.AsSpan(0, _length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(buffer);
        _buffer = grown;
        return grown;
    }

    /// <summary>Hands the rented array to the caller, who must return it to <see cref="ArrayPool{T}.Shared"/>.</summary>
    public byte[] Detach()
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(PooledBufferWriter));
        _buffer = null;
        return buffer;
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
