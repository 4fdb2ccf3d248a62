using System.Buffers.Binary;
using System.Net.Sockets;
using Gregor.Protocol;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Cli.Client;

/// <summary>
/// One TCP connection to one Kafka broker, sending a request and reading its response at a time
/// (the CLI needs no pipelining), encoded with Gregor.Protocol's generated messages. Responses
/// are bounded by <see cref="MaxResponseBytes"/>; a stalled broker fails the call after the
/// request timeout. Not thread-safe.
/// </summary>
internal sealed class BrokerConnection : IAsyncDisposable
{
    /// <summary>The largest response accepted (a fetch asks for far less).</summary>
    public const int MaxResponseBytes = 128 * 1024 * 1024;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly string _clientId;
    private readonly TimeSpan _timeout;
    private int _correlationId;

    private BrokerConnection(TcpClient tcp, string address, string clientId, TimeSpan timeout)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Address = address;
        _clientId = clientId;
        _timeout = timeout;
    }

    public string Address { get; }

    public static async Task<BrokerConnection> ConnectAsync(string host, int port, string clientId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var address = $"{host}:{port}";
        var tcp = new TcpClient { NoDelay = true };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await tcp.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            tcp.Dispose();
            var reason = e is SocketException socket ? socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "unknown host",
                _ => socket.Message,
            } : $"no answer within {timeout.TotalSeconds:0.#} s";
            throw new KafkaClientException(ClientExitCodes.Unreachable, $"cannot connect to {address}: {reason}");
        }
        return new BrokerConnection(tcp, address, clientId, timeout);
    }

    /// <summary>Sends <paramref name="request"/> at <paramref name="version"/> and returns the decoded response.</summary>
    public async Task<TResponse> SendAsync<TResponse>(IRequestMessage request, short version, CancellationToken cancellationToken)
        where TResponse : class, IResponseMessage, new()
    {
        var correlationId = ++_correlationId;
        byte[] frame;
        using (var writer = new ProtocolWriter())
        {
            MessageFraming.WriteRequest(writer, new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = _clientId }, request);
            frame = writer.WrittenSpan.ToArray();
        }
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            await _stream.WriteAsync(frame, limit.Token).ConfigureAwait(false);
            var prefix = new byte[4];
            await _stream.ReadExactlyAsync(prefix, limit.Token).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (length < 4 || length > MaxResponseBytes)
            {
                throw new KafkaClientException(ClientExitCodes.KafkaError, $"{Address} sent a response of {length} bytes to {request.ApiKey}");
            }
            var payload = new byte[length];
            await _stream.ReadExactlyAsync(payload, limit.Token).ConfigureAwait(false);
            var reader = new ProtocolReader(payload);
            var header = ResponseHeader.Read(ref reader, ApiMessageFactory.ResponseHeaderVersion(request.ApiKey, version));
            if (header.CorrelationId != correlationId)
            {
                throw new KafkaClientException(ClientExitCodes.KafkaError, $"{Address} answered correlation id {header.CorrelationId}, expected {correlationId}");
            }
            return (TResponse)MessageFraming.ReadResponseBody(ref reader, request.ApiKey, version);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or SocketException)
        {
            throw new KafkaClientException(ClientExitCodes.Unreachable, $"{Address} closed the connection during {request.ApiKey} v{version}: {e.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KafkaClientException(ClientExitCodes.Unreachable, $"{Address} did not answer {request.ApiKey} within {_timeout.TotalSeconds:0.#} s");
        }
        catch (ProtocolException e)
        {
            throw new KafkaClientException(ClientExitCodes.KafkaError, $"{Address} sent a {request.ApiKey} response that does not parse: {e.Message}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
