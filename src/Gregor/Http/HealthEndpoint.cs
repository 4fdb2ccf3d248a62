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
/// "running". Stateless.
/// </summary>
internal static class HealthEndpoint
{
    public const string Path = "/v1/health";

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints, NodeLifecycle lifecycle)
    {
        endpoints.MapGet(Path, () =>
        {
            var state = lifecycle.State;
            return Results.Text(
                Report(state, lifecycle.CurrentStep),
                "application/json",
                Encoding.UTF8,
                state == LifecycleState.Running ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
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
