using Microsoft.Extensions.Hosting;

namespace Gregor.Broker.Groups;

/// <summary>
/// Starts the <see cref="GroupCoordinator"/> with the broker: loads every <c>__consumer_offsets</c>
/// partition before the listener serves (registered after the controller and the ReplicaManager,
/// so their partitions are open). Unloads them on shutdown.
/// </summary>
public sealed class GroupCoordinatorService(GroupCoordinator coordinator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => coordinator.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => coordinator.StopAsync().AsTask();
}
