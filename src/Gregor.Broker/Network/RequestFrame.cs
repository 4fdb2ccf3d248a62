using System.Buffers;
using System.Buffers.Binary;

namespace Gregor.Broker.Network;

/// <summary>
/// One complete request as received (the payload after the 4-byte length prefix), held in a
/// buffer rented from <see cref="ArrayPool{T}.Shared"/>. The connection creates it when the
/// last byte arrives and disposes it once the request's processing task completes; decoded
/// requests may slice it (record batches stay in the received bytes) until then. Not
/// thread-safe; owned by one request at a time.
/// </summary>
public sealed class RequestFrame : IDisposable
{
    private byte[]? _buffer;

    internal RequestFrame(byte[] buffer, int length, long receivedTimestampMs)
    {
        _buffer = buffer;
        Length = length;
        ReceivedTimestampMs = receivedTimestampMs;
        ReceivedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Creates a frame holding a copy of <paramref name="payload"/> (tests, in-memory callers).</summary>
    public static RequestFrame Copy(ReadOnlySpan<byte> payload, long receivedTimestampMs = 0)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, payload.Length));
        payload.CopyTo(buffer);
        return new RequestFrame(buffer, payload.Length, receivedTimestampMs);
    }

    public int Length { get; }

    /// <summary>Unix milliseconds when the frame's last byte was read.</summary>
    public long ReceivedTimestampMs { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the frame was complete (request queue time starts here).</summary>
    public long ReceivedTimestamp { get; }

    public ReadOnlyMemory<byte> Payload => _buffer is { } buffer
        ? buffer.AsMemory(0, Length)
        : throw new ObjectDisposedException(nameof(RequestFrame));

    /// <summary>The API key (first two bytes of every request header), or -1 for a frame too short to hold one.</summary>
    public short ApiKey => Length >= 2 ? BinaryPrimitives.ReadInt16BigEndian(Payload.Span) : (short)-1;

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
