using System.Buffers;
using Gregor.Protocol;
using Gregor.Protocol.Records;
using Microsoft.Win32.SafeHandles;

namespace Gregor.Storage.Segments;

/// <summary>
/// Sequential validating reader over a segment file for recovery: reads 1 MiB at a time and
/// checks each batch's length, magic and CRC32C, streaming the CRC through the buffer so a
/// damaged length field can never make it allocate more than its buffer. Not thread-safe;
/// dispose to return the buffer.
/// </summary>
internal sealed class SegmentScanner : IDisposable
{
    private const int BufferSize = 1 << 20;

    private readonly SafeFileHandle _handle;
    private readonly long _length;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private long _bufferStart;
    private int _bufferLength;

    public SegmentScanner(SafeFileHandle handle, long length)
    {
        _handle = handle;
        _length = length;
    }

    public enum Status
    {
        Batch,
        End,
        TornHeader,
        TornBatch,
        BadHeader,
        BadCrc,
    }

    /// <summary>Position of the batch <see cref="Next"/> last looked at.</summary>
    public long Position { get; private set; }

    public void Advance(int bytes) => Position += bytes;

    /// <summary>Validates the batch at <see cref="Position"/> without moving past it.</summary>
    public Status Next(out RecordBatchHeader header)
    {
        header = default;
        var remaining = _length - Position;
        if (remaining == 0)
        {
            return Status.End;
        }
        if (remaining < RecordBatchHeader.Size)
        {
            return Status.TornHeader;
        }
        try
        {
            if (!RecordBatchHeader.TryRead(Window(Position, RecordBatchHeader.Size), out header))
            {
                return Status.TornHeader;
            }
        }
        catch (ProtocolException)
        {
            return Status.BadHeader;
        }
        if (header.TotalSize > remaining)
        {
            return Status.TornBatch;
        }
        var crc = 0xFFFFFFFFu;
        var at = Position + RecordBatchHeader.AttributesOffset;
        var end = Position + header.TotalSize;
        while (at < end)
        {
            var n = (int)Math.Min(end - at, BufferSize);
            crc = Crc32C.Append(crc, Window(at, n));
            at += n;
        }
        return ~crc == header.Crc ? Status.Batch : Status.BadCrc;
    }

    /// <summary>The file bytes [position, position + count) through the buffer; count ≤ 1 MiB.</summary>
    private ReadOnlySpan<byte> Window(long position, int count)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(SegmentScanner));
        if (position < _bufferStart || position + count > _bufferStart + _bufferLength)
        {
            var want = (int)Math.Min(BufferSize, _length - position);
            var read = 0;
            while (read < want)
            {
                var n = RandomAccess.Read(_handle, buffer.AsSpan(read, want - read), position + read);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            _bufferStart = position;
            _bufferLength = read;
            if (read < count)
            {
                throw new StorageException($"segment ended early at {position + read}");
            }
        }
        return buffer.AsSpan((int)(position - _bufferStart), count);
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
