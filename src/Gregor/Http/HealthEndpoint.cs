using System.Text;
using System.Text.Json;
using Gregor.Broker.Lifecycle;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gregor.Http;

/// <summary>
/// <c>GET /v1/health</c> on the host's HTTP listener: the node's lifecycle state and the step in
/// progress (or the one that failed), e.g. <c>{"state":"starting","step":"load coordinators"}</c>;
/// 200 while running, 503 otherwise, so a load balancer or orchestrator can wait for
/// "running". <c>/v1/health/ready</c> answers the same (a readiness probe: ready only when the
/// node serves clients); <c>/v1/health/live</c> answers 200 whenever the process serves HTTP
/// (a liveness probe must not restart a node that is still replaying its logs). Stateless.
/// </summary>
internal static class HealthEndpoint
{
    public const string Path = "/v1/health";
    public const string ReadyPath = "/v1/health/ready";
    public const string LivePath = "/v1/health/live";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints, NodeLifecycle lifecycle)
    {
        IResult Ready()
        {
            var state = lifecycle.State;
            return Results.Text(
                Report(state, lifecycle.CurrentStep),
                "application/json",
                Encoding.UTF8,
                state == LifecycleState.Running ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }
        endpoints.MapGet(Path, Ready);
        endpoints.MapGet(ReadyPath, Ready);
        endpoints.MapGet(LivePath, () => Results.Text(Report(lifecycle.State, lifecycle.CurrentStep), "application/json", Encoding.UTF8, StatusCodes.Status200OK));
        return endpoints;
    }

    internal static string Report(LifecycleState state, string? step)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("state", state.ToString().ToLowerInvariant());
            json.WriteString("step", step);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
