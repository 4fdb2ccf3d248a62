using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gregor.Broker.Config;
using Gregor.Broker.Diagnostics;
using Gregor.Broker.Handlers;
using Gregor.Broker.Network;
using Gregor.Cluster.Purgatory;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Dispatch;

/// <summary>
/// Turns request frames into handler calls and handler results into response frames:
/// parse the header, find the handler by API key, check the version, decode the body into
/// the typed request, call the handler, encode the response with the right header version
/// (ApiVersions always v0) into a pooled frame.
/// <para>
/// As Kafka: an unknown API key closes the connection; an ApiVersions request of a version
/// this broker does not support gets a v0 response with UNSUPPORTED_VERSION and the supported
/// ranges (KIP-511); another API at an unsupported version gets UNSUPPORTED_VERSION in the
/// response's top-level error code where the response has one and the version can be
/// written, and otherwise closes the connection; a body that does not parse closes it.
/// </para>
/// Stateless apart from its registry and instruments; shared by all connections, thread-safe.
/// </summary>
public sealed class RequestDispatcher : IRequestProcessor
{
    private readonly ApiHandlerRegistry _registry;
    private readonly BrokerConfig _config;
    private readonly ILogger<RequestDispatcher> _logger;
    private readonly Histogram<double> _handlerDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _localDuration;
    private readonly Histogram<double> _remoteDuration;
    private readonly ResponseErrorCounter?[] _errorCounters;

    public RequestDispatcher(ApiHandlerRegistry registry, BrokerConfig config, IMeterFactory meterFactory, ILogger<RequestDispatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _registry = registry;
        _config = config;
        _logger = logger;
        var meter = meterFactory.Create(NetworkMetrics.MeterName);
        _handlerDuration = meter.CreateHistogram<double>(
            "gregor.network.request.handler.duration", "s", "Time from dispatch to the handler's response, by API");
        _queueDuration = meter.CreateHistogram<double>(
            "gregor.network.request.queue.duration", "s", "From a request's last byte read to its handler starting, by API (Kafka's RequestQueueTimeMs)");
        _localDuration = meter.CreateHistogram<double>(
            "gregor.network.request.local.duration", "s", "Handler time outside purgatory waits, by API (Kafka's LocalTimeMs)");
        var errors = meter.CreateCounter<long>(
            "gregor.network.request.errors", "{error}", "Non-zero error codes in responses (top-level and nested), by API and error (Kafka's ErrorsPerSec)");
        _errorCounters = new ResponseErrorCounter?[Enum.GetValues<ApiKey>().Max(k => (int)k) + 1];
        foreach (var key in Enum.GetValues<ApiKey>().Where(k => k >= 0))
        {
            _errorCounters[(int)key] = new ResponseErrorCounter(errors, key.ToString());
        }
        _remoteDuration = meter.CreateHistogram<double>(
            "gregor.network.request.remote.duration", "s", "Time a delayed produce or fetch waited in the purgatory, by API (Kafka's RemoteTimeMs)");
    }

    public ValueTask<ResponseFrame?> ProcessAsync(ConnectionInfo connection, RequestFrame request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(request);
        var payload = request.Payload;
        if (!RequestHeader.TryPeek(payload.Span, out var apiKey, out var version, out var correlationId))
        {
            throw new ProtocolException($"request of {payload.Length} bytes is shorter than a request header");
        }
        var onControllerListener = _config.IsControllerListenerName(connection.ListenerName);
        if (onControllerListener && !Quorum.ControllerApis.Serves(apiKey))
        {
            // As Kafka: an API not enabled on this listener closes the connection.
            throw new CloseConnectionException($"{apiKey} (API key {(short)apiKey}) is not served on controller listener {connection.ListenerName} (correlation id {correlationId})");
        }
        if (!_registry.TryGet(apiKey, out var handler))
        {
            throw new CloseConnectionException(ApiMessageFactory.IsKnown(apiKey)
                ? $"{apiKey} (API key {(short)apiKey}) is not served by this broker (correlation id {correlationId})"
                : $"unknown API key {(short)apiKey} (correlation id {correlationId})");
        }
        if (version < handler.MinVersion || version > handler.MaxVersion)
        {
            DispatchLog.UnsupportedVersion(_logger, apiKey, version, handler.MinVersion, handler.MaxVersion, connection.ConnectionId);
            return ValueTask.FromResult<ResponseFrame?>(UnsupportedVersion(handler, version, correlationId, onControllerListener));
        }

        var reader = new ProtocolReader(payload);
        var header = RequestHeader.Read(ref reader, out _);
        var body = MessageFraming.ReadRequestBody(ref reader, header);
        var context = new RequestContext(header, connection, request.ReceivedTimestampMs);
        Quorum.NodeController.CurrentListener.Value = connection.ListenerName;
        var started = Stopwatch.GetTimestamp();
        if (request.ReceivedTimestamp != 0)
        {
            _queueDuration.Record(Stopwatch.GetElapsedTime(request.ReceivedTimestamp, started).TotalSeconds, ApiTag(context.ApiKey));
        }
        // One tracker per request: the replica manager reports purgatory waits to it (remote time).
        var waits = new PurgatoryWaitTracker();
        PurgatoryWaitTracker.Current.Value = waits;
        // Null unless traces are exported (gregor.otlp.endpoint): the request path pays one check.
        var activity = BrokerTracing.StartRequest(context, body);
        ValueTask<IResponseMessage?> pending;
        try
        {
            pending = handler.HandleAsync(context, body, cancellationToken);
        }
        catch (Exception e) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, e.Message);
            activity.Dispose();
            throw;
        }
        if (pending.IsCompletedSuccessfully)
        {
            using (activity)
            {
                return ValueTask.FromResult(Encode(context, pending.Result, started, waits));
            }
        }
        return AwaitAsync(context, pending, started, waits, activity);
    }

    private async ValueTask<ResponseFrame?> AwaitAsync(RequestContext context, ValueTask<IResponseMessage?> pending, long started, PurgatoryWaitTracker waits, Activity? activity)
    {
        using (activity)
        {
            IResponseMessage? response;
            try
            {
                response = await pending.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                context.DisposeResponseResources();
                throw;
            }
            return Encode(context, response, started, waits);
        }
    }

    private ResponseFrame? Encode(RequestContext context, IResponseMessage? response, long started, PurgatoryWaitTracker waits)
    {
        try
        {
            var api = ApiTag(context.ApiKey);
            var handler = Stopwatch.GetElapsedTime(started);
            var remote = waits.Elapsed;
            _handlerDuration.Record(handler.TotalSeconds, api);
            _remoteDuration.Record(remote.TotalSeconds, api);
            _localDuration.Record(Math.Max(0, (handler - remote).TotalSeconds), api);
            if (response is null)
            {
                return null;
            }
            // Pooled buffers the response references (fetch records) are spliced into the frame
            // by reference and released by it once written, instead of copied here.
            if ((uint)context.ApiKey < (uint)_errorCounters.Length && _errorCounters[(int)context.ApiKey] is { } errorCounter)
            {
                response.CountErrors(errorCounter);
            }
            var frame = EncodeResponse(context.CorrelationId, context.ApiKey, context.ApiVersion, response, context.ResponseSizeHint, context.TakeResponseResource());
            frame.ReadyTimestamp = Stopwatch.GetTimestamp();
            return frame;
        }
        finally
        {
            context.DisposeResponseResources();
        }
    }

    /// <summary>
    /// Encodes a complete response frame (header version chosen by API key and version);
    /// <paramref name="sizeHint"/> is the expected frame size (0 when unknown). With a
    /// <paramref name="recordsOwner"/> (what keeps the response's record sets alive), record sets
    /// of at least <see cref="SpliceMinimumBytes"/> are spliced rather than copied and the frame
    /// takes ownership of the owner; without one everything is copied.
    /// </summary>
    public static PooledResponseFrame EncodeResponse(int correlationId, ApiKey apiKey, short version, IResponseMessage response, int sizeHint = 0,
        IDisposable? recordsOwner = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        ProtocolWriter? writer = null;
        try
        {
            writer = new ProtocolWriter(Math.Max(DefaultResponseBuffer, sizeHint));
            if (recordsOwner is not null)
            {
                writer.EnableSplicing(SpliceMinimumBytes);
            }
            MessageFraming.WriteResponse(writer, correlationId, apiKey, version, response);
            return new PooledResponseFrame(writer, recordsOwner);
        }
        catch
        {
            writer?.Dispose();
            recordsOwner?.Dispose();
            throw;
        }
    }

    private const int DefaultResponseBuffer = 512;

    // Enum names of defined keys are cached by the runtime, so the tag allocates only its pair.
    private static KeyValuePair<string, object?> ApiTag(ApiKey apiKey) => new("api", apiKey.ToString());

    /// <summary>
    /// Smaller record sets are copied: below this a copy costs less than the extra segment write
    /// and the bookkeeping (a long-poll answer with one small batch stays one buffer).
    /// </summary>
    public const int SpliceMinimumBytes = 4096;

    private PooledResponseFrame UnsupportedVersion(IApiHandler handler, short version, int correlationId, bool onControllerListener)
    {
        var apiKey = handler.ApiKey;
        if (apiKey == ApiKey.ApiVersions)
        {
            // KIP-511: the client cannot know which version we read, so answer in v0.
            var fallback = ApiVersionsHandler.BuildResponse(_registry, ErrorCode.UnsupportedVersion, onControllerListener);
            return EncodeResponse(correlationId, ApiKey.ApiVersions, 0, fallback);
        }
        var (lowest, highest) = ApiMessageFactory.ReadableVersions(apiKey);
        if (version >= lowest && version <= highest && ErrorResponses.TryCreate(apiKey, ErrorCode.UnsupportedVersion, out var response))
        {
            return EncodeResponse(correlationId, apiKey, version, response);
        }
        throw new CloseConnectionException(
            $"{apiKey} v{version} is not supported (v{handler.MinVersion}-{handler.MaxVersion}) and has no error response at that version");
    }
}
