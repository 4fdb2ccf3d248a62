using Gregor.Cluster.Controller;
using Microsoft.Extensions.Hosting;

namespace Gregor.Broker.Admin;

/// <summary>
/// Creates the <see cref="QuorumController"/> while the broker starts, before the listener binds:
/// its constructor replays the metadata log and registers this node, so the first request
/// already sees the recovered image, and an unreadable metadata log fails the start instead of
/// the first request. Stateless.
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
