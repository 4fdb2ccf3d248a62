using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Gregor.Protocol;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Quorum;

/// <summary>
/// One outbound Kafka-protocol connection from this node to another node's listener (Raft RPCs to
/// the other voters, BrokerRegistration/BrokerHeartbeat and forwarded admin requests to the active
/// controller): requests are framed with a v1/v2 header and pipelined, responses matched by
/// correlation id on one reader task. Bounded: at most <c>maxInFlight</c> requests unanswered
/// (further sends wait), response frames larger than <see cref="MaxResponseBytes"/> close the
/// connection. Any I/O error fails every request in flight and the connection stays closed
/// (the owner reconnects). Thread-safe.
/// </summary>
public sealed class KafkaClientConnection : IAsyncDisposable
{
    public const int MaxResponseBytes = 64 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly string _clientId;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _inFlight;
    private readonly ConcurrentDictionary<int, Pending> _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private int _nextCorrelationId;
    private Exception? _failure;

    private sealed record Pending(ApiKey Key, short Version, TaskCompletionSource<IResponseMessage> Completion);

    private KafkaClientConnection(Socket socket, string clientId, int maxInFlight)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _clientId = clientId;
        _inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
        _ = Task.Run(ReadLoopAsync);
    }

    public string Address { get; private init; } = "";

    public bool IsClosed => _closed.IsCancellationRequested;

    public static async Task<KafkaClientConnection> ConnectAsync(string host, int port, string clientId, int maxInFlight, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new KafkaClientConnection(socket, clientId, maxInFlight) { Address = $"{host}:{port}" };
    }

    /// <summary>Sends <paramref name="body"/> at <paramref name="version"/> and returns the decoded response; throws <see cref="IOException"/> when the connection fails.</summary>
    public async Task<IResponseMessage> SendAsync(IRequestMessage body, short version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        try
        {
            await _inFlight.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Closed();
        }
        var correlationId = Interlocked.Increment(ref _nextCorrelationId);
        var pending = new Pending(body.ApiKey, version, new TaskCompletionSource<IResponseMessage>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[correlationId] = pending;
        try
        {
            byte[] frame;
            using (var writer = new ProtocolWriter(256))
            {
                var header = new RequestHeader { ApiKey = body.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = _clientId };
                MessageFraming.WriteRequest(writer, header, body);
                frame = writer.WrittenSpan.ToArray();
            }
            await _writeLock.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(frame, linked.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
            if (_closed.IsCancellationRequested)
            {
                // The reader failed between the registration and the write: nobody will complete this.
                pending.Completion.TrySetException(Closed());
            }
            return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Fail(e);
            throw Closed();
        }
        finally
        {
            _pending.TryRemove(correlationId, out _);
            _inFlight.Release();
        }
    }

    private IOException Closed() => new($"connection to {Address} is closed: {_failure?.Message ?? "closed"}", _failure);

    private async Task ReadLoopAsync()
    {
        var lengthBuffer = new byte[4];
        try
        {
            while (!_closed.IsCancellationRequested)
            {
                await _stream.ReadExactlyAsync(lengthBuffer, _closed.Token).ConfigureAwait(false);
                var length = BinaryPrimitives.ReadInt32BigEndian(lengthBuffer);
                if (length is < 4 or > MaxResponseBytes)
                {
                    throw new IOException($"response frame of {length} bytes from {Address}");
                }
                var payload = new byte[length];
                await _stream.ReadExactlyAsync(payload, _closed.Token).ConfigureAwait(false);
                var correlationId = BinaryPrimitives.ReadInt32BigEndian(payload);
                if (!_pending.TryGetValue(correlationId, out var pending))
                {
                    continue; // its sender gave up (cancelled); the response has no reader
                }
                try
                {
                    var reader = new ProtocolReader(payload);
                    ResponseHeader.Read(ref reader, ApiMessageFactory.ResponseHeaderVersion(pending.Key, pending.Version));
                    pending.Completion.TrySetResult(MessageFraming.ReadResponseBody(ref reader, pending.Key, pending.Version));
                }
                catch (ProtocolException e)
                {
                    pending.Completion.TrySetException(e);
                }
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _failure, e, null);
        if (!_closed.IsCancellationRequested)
        {
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        foreach (var (_, pending) in _pending)
        {
            pending.Completion.TrySetException(Closed());
        }
        _socket.Close(0);
    }

    public ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(KafkaClientConnection)));
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }
}
