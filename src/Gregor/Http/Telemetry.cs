using Gregor.Broker.Config;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gregor.Http;

/// <summary>
/// The host's OpenTelemetry setup: metrics from every <c>Gregor.*</c> meter plus the .NET
/// runtime (GC, heap, thread pool, JIT, exceptions), read by the Prometheus exporter behind
/// <c>/metrics</c>; traces from the broker's <c>Gregor.Broker</c> activity source exported over
/// OTLP/HTTP when <c>gregor.otlp.endpoint</c> is set. Histograms of durations in seconds get
/// buckets from 100 µs to 10 s (the SDK's defaults are for milliseconds).
/// </summary>
internal static class Telemetry
{
    public const string ServiceName = "gregor";

    /// <summary>Seconds: a cached produce answers in tens of µs, a long-poll fetch waits up to its max wait.</summary>
    private static readonly double[] SecondsBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static WebApplicationBuilder AddGregorTelemetry(this WebApplicationBuilder builder, BrokerConfig config, bool metrics)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceInstanceId: config.NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (metrics)
        {
            otel.WithMetrics(m => m
                .AddMeter("Gregor.*")
                .AddRuntimeInstrumentation()
                .AddView(instrument => instrument.Unit == "s" && instrument.Meter.Name.StartsWith("Gregor.", StringComparison.Ordinal)
                    ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBuckets }
                    : null)
                .AddPrometheusExporter(o =>
                {
                    // Every scrape reads the instruments afresh: exact values for tests and alerts.
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                    // No otel_scope_name label on every sample: a metric's name already says its
                    // meter (gregor.partitions.* is Gregor.Partitions, dotnet.* the runtime's), and
                    // the label made up a fifth of the text and of a scrape's serializing time.
                    o.ScopeInfoEnabled = false;
                }));
        }
        if (config.OtlpEndpoint.Length > 0)
        {
            var endpoint = new Uri(config.OtlpEndpoint.TrimEnd('/') + "/v1/traces");
            otel.WithTracing(t => t
                .AddSource(Broker.Diagnostics.BrokerTracing.SourceName)
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = endpoint;
                    o.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
                }));
        }
        return builder;
    }
}
