using Gregor.Cluster.Partitions;
using Gregor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gregor.Broker.Replication;

/// <summary>
/// Starts the data plane with the broker, before the listener binds: opens the data dir's logs
/// (LogManager), starts retention/flush/checkpoint/cleaner loops, and creates the
/// <see cref="ReplicaManager"/>, which opens every partition the metadata image says this node
/// leads. Stopping is left to disposal (the container disposes singletons in reverse order).
/// </summary>
internal sealed class ReplicationStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<LogManager>().Start();
        services.GetRequiredService<ReplicaManager>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
