using Microsoft.Extensions.Hosting;

namespace Gregor.Broker.Groups;

/// <summary>
/// Starts the <see cref="GroupCoordinator"/> with the broker: replays <c>__consumer_offsets</c>
/// before the listener serves (registered after the controller and the ReplicaManager, so their
/// partitions are open). Stops its timers on shutdown.
/// </summary>
public sealed class GroupCoordinatorService(GroupCoordinator coordinator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => coordinator.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken)
    {
        coordinator.Dispose();
        return Task.CompletedTask;
    }
}
