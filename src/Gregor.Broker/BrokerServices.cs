using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Broker.Network;
using Gregor.Broker.Replication;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker;

/// <summary>
/// The composition root: every broker component is registered here, once, as a singleton of
/// the broker's container. Components that must start before the listener accepts
/// connections (log recovery, coordinators) register as hosted services: they start in
/// registration order, before Kestrel binds, and stop after it (reverse order); singletons
/// that are <see cref="IDisposable"/>/<see cref="IAsyncDisposable"/> are disposed when the
/// broker is disposed, which is where logs are flushed and closed.
/// </summary>
public static class BrokerServices
{
    public static IServiceCollection AddGregorBroker(this IServiceCollection services, BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(config);
        services.AddSingleton(config);
        services.AddMetrics();

        // Network.
        services.AddSingleton(NetworkSettings.From(config));
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<NetworkMetrics>();
        services.AddSingleton<ListenerEndpoints>();
        services.AddHostedService<IdleConnectionReaper>();

        // Cluster metadata: the controller (metadata log, image publisher) and the admin helpers.
        services.AddSingleton(sp => ControllerOptionsFactory.CreateController(config, sp.GetService<ILogger<QuorumController>>()));
        services.AddSingleton<IController>(sp => sp.GetRequiredService<QuorumController>());
        services.AddSingleton<IMetadataPublisher>(sp => sp.GetRequiredService<QuorumController>());
        services.AddHostedService<ControllerStartup>();
        services.AddSingleton<AutoTopicCreator>();
        services.AddSingleton<BrokerRegistration>();
        services.AddSingleton<ConfigDescriber>();

        // Data plane: partitions hosted here (logs, produce, fetch, producer ids).
        services.AddGregorReplication(config);

        // Group coordinator: classic consumer groups, offsets in __consumer_offsets. The log is the
        // ReplicaManager's __consumer_offsets partitions once the data plane is registered; without
        // it (tools, tests of other parts) offsets live in memory only.
        services.AddSingleton(GroupCoordinatorOptions.From(config));
        services.AddSingleton<IGroupLogStore>(sp => sp.GetService<ReplicaManager>() is { } replicas
            ? new ReplicaGroupLogStore(replicas, TimeProvider.System)
            : new InMemoryGroupLogStore());
        services.AddSingleton(sp => new GroupCoordinator(
            sp.GetRequiredService<GroupCoordinatorOptions>(),
            sp.GetRequiredService<IGroupLogStore>(),
            TimeProvider.System,
            sp.GetService<ILogger<GroupCoordinator>>()));
        services.AddSingleton<OffsetsTopicProvisioner>();
        services.AddHostedService<GroupCoordinatorService>();

        // Dispatch: every IApiHandler in this assembly (one file per API under Handlers/).
        services.AddSingleton<ApiHandlerRegistry>();
        services.AddSingleton<IRequestProcessor, RequestDispatcher>();
        ApiHandlerRegistry.AddHandlersFrom(services, typeof(BrokerServices).Assembly);

        return services;
    }
}
