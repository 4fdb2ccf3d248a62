using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Gregor.Testing;

/// <summary>
/// A raw TCP connection speaking Kafka framing (int32 big-endian length + payload), for tests
/// that send exact bytes — valid requests, garbage, truncated frames — and read whole frames
/// back. One reader and one writer at a time; not thread-safe.
/// </summary>
public sealed class RawKafkaConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawKafkaConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawKafkaConnection> ConnectAsync(EndPoint endPoint)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint).ConfigureAwait(false);
        return new RawKafkaConnection(socket);
    }

    public Socket Socket => _socket;

    /// <summary>Sends bytes as they are (no prefix added).</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        await _stream.WriteAsync(bytes).ConfigureAwait(false);
        await _stream.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Sends one frame: the 4-byte length, then the payload.</summary>
    public Task SendFrameAsync(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        return SendRawAsync(frame);
    }

    /// <summary>Reads one frame's payload; null when the broker closed the connection.</summary>
    public async Task<byte[]?> ReceiveFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var prefix = new byte[4];
        if (!await ReadExactlyAsync(prefix, cts.Token).ConfigureAwait(false))
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        var payload = new byte[length];
        return await ReadExactlyAsync(payload, cts.Token).ConfigureAwait(false) ? payload : null;
    }

    /// <summary>True once the broker has closed the connection (reads end-of-stream or reset).</summary>
    public async Task<bool> IsClosedByPeerAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => _stream.Dispose();

    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
