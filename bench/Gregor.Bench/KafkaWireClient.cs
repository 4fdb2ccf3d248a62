using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Bench;

/// <summary>
/// One Kafka-protocol connection to one node, for the cluster scenario's probes: a request, then
/// its response, each bounded by a timeout, with the generated messages of Gregor.Protocol. The
/// scenario has to address an exact node (a survivor, the broker that is not paused), which an
/// admin client that routes by itself cannot promise. Any failure disposes the connection; the
/// caller opens a new one. One request at a time; not thread-safe.
/// </summary>
internal sealed class KafkaWireClient : IDisposable
{
    private const int MaxResponseBytes = 64 * 1024 * 1024;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private int _correlationId;

    private KafkaWireClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<KafkaWireClient> ConnectAsync(EndPoint endPoint, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await socket.ConnectAsync(endPoint, cts.Token);
            return new KafkaWireClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="body"/> at <paramref name="version"/> and reads its response; throws IOException, SocketException or TimeoutException.</summary>
    public async Task<T> RoundTripAsync<T>(IRequestMessage body, short version, TimeSpan timeout)
        where T : class, IResponseMessage, new()
    {
        var correlationId = ++_correlationId;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            using (var writer = new ProtocolWriter())
            {
                var header = new RequestHeader { ApiKey = body.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = "gregor-bench" };
                MessageFraming.WriteRequest(writer, header, body);
                await _stream.WriteAsync(writer.WrittenSpan.ToArray(), cts.Token);
            }
            var prefix = new byte[4];
            await _stream.ReadExactlyAsync(prefix, cts.Token);
            var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (length is < 0 or > MaxResponseBytes)
            {
                throw new IOException($"response frame of {length} bytes");
            }
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, cts.Token);
            var key = new T().ApiKey;
            var reader = new ProtocolReader(payload);
            var responseHeader = ResponseHeader.Read(ref reader, ApiMessageFactory.ResponseHeaderVersion(key, version));
            if (responseHeader.CorrelationId != correlationId)
            {
                throw new IOException($"correlation id {responseHeader.CorrelationId}, expected {correlationId}");
            }
            return (T)MessageFraming.ReadResponseBody(ref reader, key, version);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no {typeof(T).Name} within {timeout.TotalMilliseconds:F0} ms");
        }
        catch (EndOfStreamException e)
        {
            throw new IOException("connection closed", e);
        }
    }

    public void Dispose() => _stream.Dispose();
}
