using System.Diagnostics.Metrics;

namespace Gregor.Broker.Network;

/// <summary>
/// The network layer's instruments on the <c>Gregor.Network</c> meter (names and units:
/// docs/metrics.md): open connections,
/// bytes in and out, requests by API key and version, failed requests, response-queue and response-send time, their latency (frame
/// received → response written) by API key, and requests in flight. One instance per broker (from the DI container's
/// <see cref="IMeterFactory"/>, so two brokers in one test process keep separate meters).
/// Instruments are thread-safe.
/// </summary>
public sealed class NetworkMetrics
{
    public const string MeterName = "Gregor.Network";

    public NetworkMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        ActiveConnections = meter.CreateUpDownCounter<long>("gregor.network.connections.active", "{connection}", "Open client connections");
        AcceptedConnections = meter.CreateCounter<long>("gregor.network.connections.accepted", "{connection}", "Connections accepted");
        ClosedConnections = meter.CreateCounter<long>("gregor.network.connections.closed", "{connection}", "Connections closed");
        BytesReceived = meter.CreateCounter<long>("gregor.network.bytes.received", "By", "Request bytes read, prefixes included");
        BytesSent = meter.CreateCounter<long>("gregor.network.bytes.sent", "By", "Response bytes written, prefixes included");
        Requests = meter.CreateCounter<long>("gregor.network.requests", "{request}", "Requests received, by API and version");
        RequestsFailed = meter.CreateCounter<long>("gregor.network.requests.failed", "{request}", "Requests answered by closing the connection (malformed, unsupported, failed), by API");
        RequestsInFlight = meter.CreateUpDownCounter<long>("gregor.network.requests.in_flight", "{request}", "Requests received and not yet answered");
        RequestDuration = meter.CreateHistogram<double>("gregor.network.request.duration", "s", "From a request's last byte read to its response written, by API");
        ResponseQueueDuration = meter.CreateHistogram<double>(
            "gregor.network.request.response_queue.duration", "s", "From a response encoded to its write starting (waiting for the connection's earlier responses), by API (Kafka's ResponseQueueTimeMs)");
        ResponseSendDuration = meter.CreateHistogram<double>(
            "gregor.network.request.response_send.duration", "s", "From a response's write starting to it written to the transport, by API (Kafka's ResponseSendTimeMs)");
    }

    public UpDownCounter<long> ActiveConnections { get; }
    public Counter<long> AcceptedConnections { get; }
    public Counter<long> ClosedConnections { get; }
    public Counter<long> BytesReceived { get; }
    public Counter<long> BytesSent { get; }
    public Counter<long> Requests { get; }
    public Counter<long> RequestsFailed { get; }
    public UpDownCounter<long> RequestsInFlight { get; }
    public Histogram<double> RequestDuration { get; }
    public Histogram<double> ResponseQueueDuration { get; }
    public Histogram<double> ResponseSendDuration { get; }

    /// <summary>
    /// The <c>version</c> tag of a request: cached strings, so counting by API and version boxes
    /// nothing per request; versions outside the cached range (never valid) share one value.
    /// </summary>
    public static string VersionTag(short version) =>
        (uint)version < (uint)CachedVersions.Length ? CachedVersions[version] : "invalid";

    private static readonly string[] CachedVersions = [.. Enumerable.Range(0, 64).Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))];
}
