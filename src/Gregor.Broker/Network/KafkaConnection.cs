using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Threading.Channels;
using Gregor.Protocol;
using Gregor.Protocol.Messages;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Network;

/// <summary>
/// One client connection: a read loop that cuts the byte stream into frames and starts each
/// request, and a write loop that sends the responses in request order.
/// <para>
/// Framing: int32 big-endian length, then that many bytes. The length is checked against
/// <c>socket.request.max.bytes</c> before anything is allocated; a negative or oversized one
/// closes the connection. A frame that is already complete in the transport's buffer is
/// copied once into a pooled array; a larger one is assembled into a pooled array that grows
/// with the bytes actually received (so a lying length prefix costs what was sent, not what
/// was announced) and the transport buffer is released as it goes, so frames larger than the
/// transport's pause threshold cannot deadlock.
/// </para>
/// <para>
/// Ordering and bounds: requests are started one after another on the read loop and may
/// complete in any order; an ordered queue of their tasks makes the write loop answer them
/// in arrival order. Reading pauses while <c>gregor.connection.max.inflight.requests</c>
/// requests are unanswered or their request bytes plus finished-but-unwritten response bytes
/// exceed <c>gregor.connection.max.queued.bytes</c>. The write loop awaits the transport's
/// flush, whose pause threshold stops it when the client stops reading, so a slow reader
/// stalls its own connection instead of growing the broker's memory.
/// </para>
/// Thread-safety: the read loop and the write loop each run on one logical thread; the
/// counters they share are updated with Interlocked; <see cref="Close"/> may be called from
/// any thread (idle reaper, shutdown) and is idempotent.
/// </summary>
internal sealed class KafkaConnection
{
    // Frames up to this size wait in the transport's buffer until complete (below Kestrel's
    // 1 MiB read pause threshold); larger ones are assembled incrementally.
    private const int AssembleInPlaceLimit = 512 * 1024;
    private const int InitialAssemblyBuffer = 64 * 1024;

    private readonly ConnectionContext _context;
    private readonly IRequestProcessor _processor;
    private readonly NetworkMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxRequestBytes;
    private readonly int _maxInFlight;
    private readonly long _maxQueuedBytes;
    private readonly Channel<PendingRequest> _pending =
        Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _capacityFreed = new(0);
    private readonly CancellationTokenSource _closing = new();

    private int _inFlight;
    private long _queuedBytes;
    private long _lastActivityMs = Environment.TickCount64;
    private string? _closeReason;

    // The large frame being assembled (null when none).
    private byte[]? _assembly;
    private int _assemblyLength;
    private int _assemblyFilled;

    public KafkaConnection(ConnectionContext context, ConnectionInfo info, IRequestProcessor processor, NetworkSettings settings, NetworkMetrics metrics, ILogger logger)
    {
        _context = context;
        Info = info;
        _processor = processor;
        _metrics = metrics;
        _logger = logger;
        _maxRequestBytes = settings.MaxRequestBytes;
        _maxInFlight = settings.MaxInFlightRequests;
        _maxQueuedBytes = settings.MaxQueuedBytes;
    }

    public ConnectionInfo Info { get; }

    /// <summary>Requests started and not yet answered (or dropped, for acks=0).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary><see cref="Environment.TickCount64"/> of the last byte read or response written.</summary>
    public long LastActivityMs => Volatile.Read(ref _lastActivityMs);

    private bool HasCapacity
    {
        get
        {
            var inFlight = Volatile.Read(ref _inFlight);
            return inFlight == 0 || (inFlight < _maxInFlight && Interlocked.Read(ref _queuedBytes) < _maxQueuedBytes);
        }
    }

    /// <summary>Runs the connection until the peer closes it or it is closed; never throws.</summary>
    public async Task RunAsync()
    {
        var writeLoop = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (CloseConnectionException e)
        {
            // A protocol violation while framing: the stream cannot be trusted past this point.
            Close(e.Message, LogLevel.Warning, abort: true);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
        {
            Close($"transport error: {e.Message}", LogLevel.Debug, abort: true);
        }
        finally
        {
            _pending.Writer.TryComplete();
            ReturnAssembly();
        }
        await writeLoop.ConfigureAwait(false);
        // The peer closed (or half-closed) its side and every response it was owed has been
        // flushed: returning lets Kestrel finish sending and close with a FIN. Aborting here
        // reset the connection, so clients logged ECONNRESET on every disconnect.
        Close("peer closed the connection", LogLevel.Debug);
    }

    /// <summary>
    /// Closes the connection with a logged reason; the first reason wins. Reading stops and
    /// requests still running are cancelled; responses already written to the transport are
    /// delivered and the socket then closes with a FIN once <see cref="RunAsync"/> returns.
    /// With <paramref name="abort"/> the socket is reset at once instead: only for a protocol
    /// violation or a broken transport (Kestrel aborts on its own when a shutdown times out).
    /// </summary>
    public void Close(string reason, LogLevel level, bool abort = false)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is not null)
        {
            return;
        }
        if (level >= LogLevel.Warning)
        {
            NetworkLog.ClosingBadConnection(_logger, Info.ConnectionId, Info.RemoteEndPoint, reason);
        }
        else
        {
            NetworkLog.ConnectionClosed(_logger, Info.ConnectionId, Info.RemoteEndPoint, reason);
        }
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        if (abort)
        {
            _context.Abort(new ConnectionAbortedException(reason));
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = _context.Transport.Input;
        var token = _closing.Token;
        while (true)
        {
            while (!HasCapacity)
            {
                await _capacityFreed.WaitAsync(token).ConfigureAwait(false);
            }
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            Touch();
            var buffer = result.Buffer;
            var needMoreData = false;
            var failed = false;
            try
            {
                while (true)
                {
                    if (!HasCapacity)
                    {
                        break;
                    }
                    if (!TryTakeFrame(ref buffer, out var frame))
                    {
                        needMoreData = true;
                        break;
                    }
                    if (!Start(frame))
                    {
                        failed = true;
                        break;
                    }
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, needMoreData ? buffer.End : buffer.Start);
            }
            if (failed)
            {
                // The request failed while being decoded: read nothing more; the write loop
                // answers the earlier requests and then closes with the reason.
                return;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                if (needMoreData && (_assembly is not null || !buffer.IsEmpty))
                {
                    throw new CloseConnectionException("peer closed the connection in the middle of a request frame");
                }
                return;
            }
        }
    }

    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out RequestFrame frame)
    {
        frame = null!;
        if (_assembly is null)
        {
            if (buffer.Length < 4)
            {
                return false;
            }
            Span<byte> prefix = stackalloc byte[4];
            buffer.Slice(0, 4).CopyTo(prefix);
            var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (length < 0)
            {
                throw new CloseConnectionException($"invalid request size {length} (negative)");
            }
            if (length > _maxRequestBytes)
            {
                throw new CloseConnectionException(
                    $"request size {length} exceeds socket.request.max.bytes ({_maxRequestBytes})");
            }
            if (buffer.Length - 4 >= length)
            {
                var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
                buffer.Slice(4, length).CopyTo(bytes);
                buffer = buffer.Slice(4 + length);
                _metrics.BytesReceived.Add(4 + length);
                frame = new RequestFrame(bytes, length, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                return true;
            }
            if (length <= AssembleInPlaceLimit)
            {
                return false;
            }
            buffer = buffer.Slice(4);
            _metrics.BytesReceived.Add(4);
            _assembly = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, Math.Max(InitialAssemblyBuffer, buffer.Length)));
            _assemblyLength = length;
            _assemblyFilled = 0;
        }
        var take = (int)Math.Min(_assemblyLength - _assemblyFilled, buffer.Length);
        if (_assemblyFilled + take > _assembly.Length)
        {
            // Grow with what has arrived, never straight to the announced length.
            var grown = ArrayPool<byte>.Shared.Rent((int)Math.Min(_assemblyLength, Math.Max(2L * _assembly.Length, _assemblyFilled + take)));
            _assembly.AsSpan(0, _assemblyFilled).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_assembly);
            _assembly = grown;
        }
        buffer.Slice(0, take).CopyTo(_assembly.AsSpan(_assemblyFilled));
        buffer = buffer.Slice(take);
        _assemblyFilled += take;
        _metrics.BytesReceived.Add(take);
        if (_assemblyFilled < _assemblyLength)
        {
            return false;
        }
        frame = new RequestFrame(_assembly, _assemblyLength, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        _assembly = null;
        return true;
    }

    /// <summary>Starts a request; false when it failed synchronously (no more reading).</summary>
    private bool Start(RequestFrame frame)
    {
        Interlocked.Increment(ref _inFlight);
        Interlocked.Add(ref _queuedBytes, frame.Length);
        var apiKey = frame.ApiKey;
        var version = frame.Length >= 4 ? BinaryPrimitives.ReadInt16BigEndian(frame.Payload.Span[2..]) : (short)-1;
        _metrics.Requests.Add(
            1,
            new KeyValuePair<string, object?>("api", ApiName(apiKey)),
            new KeyValuePair<string, object?>("version", NetworkMetrics.VersionTag(version)));
        _metrics.RequestsInFlight.Add(1);
        var task = ProcessAsync(frame);
        _pending.Writer.TryWrite(new PendingRequest(task, apiKey, Stopwatch.GetTimestamp()));
        return !task.IsFaulted && !task.IsCanceled;
    }

    private async Task<ResponseFrame?> ProcessAsync(RequestFrame frame)
    {
        var length = frame.Length;
        try
        {
            var response = await _processor.ProcessAsync(Info, frame, _closing.Token).ConfigureAwait(false);
            if (response is not null)
            {
                Interlocked.Add(ref _queuedBytes, response.Length);
            }
            return response;
        }
        finally
        {
            frame.Dispose();
            Interlocked.Add(ref _queuedBytes, -length);
        }
    }

    private async Task WriteLoopAsync()
    {
        var output = _context.Transport.Output;
        var reader = _pending.Reader;
        var unflushed = false;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var pending))
                {
                    ResponseFrame? response;
                    try
                    {
                        response = await pending.Task.ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        _metrics.RequestsFailed.Add(1, new KeyValuePair<string, object?>("api", ApiName(pending.ApiKey)));
                        Finished(pending);
                        if (unflushed)
                        {
                            // Earlier responses were answered in order: let them reach the client.
                            await output.FlushAsync(_closing.Token).ConfigureAwait(false);
                        }
                        FailRequest(e);
                        return;
                    }
                    if (response is not null)
                    {
                        var length = response.Length;
                        try
                        {
                            if (_closing.IsCancellationRequested)
                            {
                                return;
                            }
                            var writeStarted = Stopwatch.GetTimestamp();
                            await response.WriteToAsync(output, _closing.Token).ConfigureAwait(false);
                            unflushed = true;
                            _metrics.BytesSent.Add(length);
                            if (response.ReadyTimestamp != 0)
                            {
                                // Kafka's split: response-queue time is the wait for this
                                // connection's earlier responses (answered in order), send time
                                // the write itself.
                                var api = new KeyValuePair<string, object?>("api", ApiName(pending.ApiKey));
                                _metrics.ResponseQueueDuration.Record(Stopwatch.GetElapsedTime(response.ReadyTimestamp, writeStarted).TotalSeconds, api);
                                _metrics.ResponseSendDuration.Record(Stopwatch.GetElapsedTime(writeStarted).TotalSeconds, api);
                            }
                        }
                        finally
                        {
                            Interlocked.Add(ref _queuedBytes, -length);
                            response.Dispose();
                        }
                    }
                    Finished(pending);
                    // Coalesce: flush once the next response is not ready yet.
                    if (unflushed && !(reader.TryPeek(out var next) && next.Task.IsCompleted))
                    {
                        var flush = await output.FlushAsync(_closing.Token).ConfigureAwait(false);
                        unflushed = false;
                        Touch();
                        if (flush.IsCompleted || flush.IsCanceled)
                        {
                            return;
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException)
        {
            Close($"transport error while writing: {e.Message}", LogLevel.Debug, abort: true);
        }
        finally
        {
            Abandon(reader);
        }
    }

    private void FailRequest(Exception e)
    {
        switch (e)
        {
            case CloseConnectionException close:
                Close(close.Message, LogLevel.Warning, abort: false);
                break;
            case ProtocolException protocol:
                Close($"malformed request: {protocol.Message}", LogLevel.Warning, abort: false);
                break;
            case OperationCanceledException when _closing.IsCancellationRequested:
                break;
            default:
                NetworkLog.RequestFailed(_logger, e, Info.ConnectionId, Info.RemoteEndPoint);
                Close($"unexpected {e.GetType().Name}: {e.Message}", LogLevel.Debug, abort: false);
                break;
        }
    }

    private void Finished(PendingRequest pending)
    {
        Interlocked.Decrement(ref _inFlight);
        _metrics.RequestsInFlight.Add(-1);
        _metrics.RequestDuration.Record(
            Stopwatch.GetElapsedTime(pending.StartedTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>("api", ApiName(pending.ApiKey)));
        if (_capacityFreed.CurrentCount == 0)
        {
            _capacityFreed.Release();
        }
    }

    // Requests still queued when the connection closes: release their responses when they finish.
    private void Abandon(ChannelReader<PendingRequest> reader)
    {
        _pending.Writer.TryComplete();
        while (reader.TryRead(out var pending))
        {
            _ = pending.Task.ContinueWith(
                static (task, state) =>
                {
                    var connection = (KafkaConnection)state!;
                    if (task.IsCompletedSuccessfully && task.Result is { } response)
                    {
                        Interlocked.Add(ref connection._queuedBytes, -response.Length);
                        response.Dispose();
                    }
                    Interlocked.Decrement(ref connection._inFlight);
                    connection._metrics.RequestsInFlight.Add(-1);
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private void ReturnAssembly()
    {
        if (_assembly is { } assembly)
        {
            _assembly = null;
            ArrayPool<byte>.Shared.Return(assembly);
        }
    }

    // Enum names of defined keys are cached by the runtime; unknown keys are tagged by number.
    private static string ApiName(short apiKey) => ApiMessageFactory.IsKnown((ApiKey)apiKey) ? ((ApiKey)apiKey).ToString() : "unknown";

    private void Touch() => Volatile.Write(ref _lastActivityMs, Environment.TickCount64);

    private readonly record struct PendingRequest(Task<ResponseFrame?> Task, short ApiKey, long StartedTimestamp);
}
