using Gregor.Cluster.Controller;
using Microsoft.Extensions.Hosting;

namespace Gregor.Broker.Admin;

/// <summary>
/// Makes sure the <see cref="QuorumController"/> exists while the broker starts, before the
/// listener binds: its constructor replays the metadata log and registers this node, so the
/// first request already sees the recovered image. Stateless.
/// </summary>
internal sealed class ControllerStartup(QuorumController controller) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(controller);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
