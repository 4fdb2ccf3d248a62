using Gregor.Broker.Groups;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Http;

/// <summary>
/// <c>GET /metrics</c>: every <c>Gregor.*</c> meter and the .NET runtime's gauges in Prometheus
/// text format, written by OpenTelemetry's Prometheus exporter (no hand-written exposition).
/// Consumer lag is computed through the group coordinator's event loops, which an observable
/// callback must not wait on, so it is refreshed just before each scrape: a scrape shows the lag
/// as of that scrape. Stateless.
/// </summary>
internal static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static WebApplication MapMetrics(this WebApplication app)
    {
        var services = app.Services;
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Equals(Path, StringComparison.Ordinal))
            {
                try
                {
                    // Resolved at the first scrape, not here: building the group coordinator's
                    // dependencies before the node's start steps would run their checks (data
                    // dir) outside the start sequence that reports them.
                    await services.GetRequiredService<ConsumerLagMetrics>().RefreshAsync(context.RequestAborted).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Not started, loading or stopping: the scrape shows the last snapshot
                    // rather than failing every other metric with it.
                }
            }
            await next(context).ConfigureAwait(false);
        });
        app.MapPrometheusScrapingEndpoint(Path);
        return app;
    }
}
