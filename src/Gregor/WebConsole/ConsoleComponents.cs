using Gregor.Broker;
using Gregor.Broker.Groups;
using Gregor.Broker.Traffic;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Partitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gregor.WebConsole;

/// <summary>
/// The broker components the console reads and changes, and the console's own sampler and
/// message browser over them. Built once, on the first console request (see
/// <see cref="ConsoleEndpoints"/>); the request-metrics listener is disposed when the host stops.
/// Immutable after construction; thread-safe.
/// </summary>
internal sealed class ConsoleComponents
{
    public ConsoleComponents(GregorBroker broker)
    {
        var services = broker.Services;
        Controller = services.GetRequiredService<IController>();
        Replicas = services.GetService<ReplicaManager>();
        Groups = services.GetRequiredService<GroupCoordinator>();
        Provisioner = services.GetRequiredService<OffsetsTopicProvisioner>();
        var traffic = services.GetRequiredService<ProduceTrafficTracker>();
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        Stopping = lifetime.ApplicationStopping;
        var requestMetrics = new RequestMetricsListener(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        lifetime.ApplicationStopped.Register(requestMetrics.Dispose);
        Sampler = new TopologySampler(Controller, Replicas, Groups, traffic, requestMetrics, broker.Lifecycle, Stopping);
        Browser = Replicas is null ? null : new MessageBrowser(Replicas, traffic);
    }

    public IController Controller { get; }

    public ReplicaManager? Replicas { get; }

    public GroupCoordinator Groups { get; }

    public OffsetsTopicProvisioner Provisioner { get; }

    public TopologySampler Sampler { get; }

    public MessageBrowser? Browser { get; }

    public CancellationToken Stopping { get; }
}
