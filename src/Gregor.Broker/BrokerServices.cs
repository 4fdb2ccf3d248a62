using System.Diagnostics.Metrics;
using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Broker.Coordinator;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Groups;
using Gregor.Broker.Network;
using Gregor.Broker.Quorum;
using Gregor.Broker.Replication;
using Gregor.Broker.Shares;
using Gregor.Broker.Traffic;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker;

/// <summary>
/// The composition root: every broker component is registered here, once, as a singleton of
/// the broker's container. Constructors do no I/O, so registration order does not matter:
/// what must happen before clients are served (replaying metadata, recovering logs, loading
/// coordinators) is a named step of the node's lifecycle (<see cref="Lifecycle.BrokerSteps"/>),
/// which also undoes it on shutdown. Singletons that are <see cref="IDisposable"/> are disposed
/// again with the container, so their Dispose must be idempotent.
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
        services.AddSingleton<AcceptGate>();
        services.AddHostedService<IdleConnectionReaper>();

        // Cluster metadata: the controller (metadata log, image publisher) and the admin helpers.
        services.AddSingleton(sp => new QuorumController(ControllerOptionsFactory.Create(config), store: null, sp.GetService<ILogger<QuorumController>>()));
        services.AddSingleton(sp => new QuorumNode(config, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new NodeController(config, sp.GetRequiredService<QuorumNode>(), sp.GetRequiredService<QuorumController>));
        services.AddSingleton<IController>(sp => sp.GetRequiredService<NodeController>());
        services.AddSingleton<IMetadataPublisher>(sp => sp.GetRequiredService<NodeController>());
        services.AddSingleton<AutoTopicCreator>();
        services.AddSingleton(_ => new ProduceTrafficTracker(TimeProvider.System));
        services.AddSingleton<ConfigDescriber>();

        // Data plane: partitions hosted here (logs, produce, fetch, producer ids).
        services.AddGregorReplication(config);

        // Group coordinator: classic consumer groups, offsets in __consumer_offsets. The log is the
        // ReplicaManager's __consumer_offsets partitions once the data plane is registered; without
        // it (tools, tests of other parts) offsets live in memory only.
        services.AddSingleton(GroupCoordinatorOptions.From(config));
        services.AddSingleton<ICoordinatorLog<GroupLogRecord>>(sp => sp.GetService<ReplicaManager>() is { } replicas
            ? new ReplicaGroupLogStore(replicas, TimeProvider.System)
            : new InMemoryGroupLogStore());
        services.AddSingleton(sp => new GroupCoordinator(
            sp.GetRequiredService<GroupCoordinatorOptions>(),
            sp.GetRequiredService<ICoordinatorLog<GroupLogRecord>>(),
            TimeProvider.System,
            sp.GetService<ILogger<GroupCoordinator>>(),
            meterFactory: sp.GetRequiredService<IMeterFactory>()));
        services.AddSingleton<OffsetsTopicProvisioner>();
        // Consumer lag computed here (docs/metrics.md): for the admin API and the lag gauges.
        services.AddSingleton<GroupLagReader>();
        services.AddSingleton<ConsumerLagMetrics>();

        // Share groups (KIP-932): membership and share partitions in memory, fetch/acknowledge
        // through the replica manager (its fetch purgatory holds share long polls too).
        services.AddSingleton(ShareGroupOptions.From(config));
        services.AddSingleton(sp => new ShareGroupCoordinator(
            sp.GetRequiredService<ShareGroupOptions>(),
            sp.GetRequiredService<IMetadataPublisher>(),
            TimeProvider.System,
            sp.GetRequiredService<GroupCoordinator>()));
        services.AddSingleton(sp => new SharePartitionManager(
            sp.GetRequiredService<ShareGroupCoordinator>(),
            sp.GetRequiredService<ReplicaManager>(),
            sp.GetRequiredService<IMetadataPublisher>(),
            TimeProvider.System));

        // Dispatch: every IApiHandler in this assembly (one file per API under Handlers/).
        services.AddSingleton<ApiHandlerRegistry>();
        services.AddSingleton<IRequestProcessor, RequestDispatcher>();
        ApiHandlerRegistry.AddHandlersFrom(services, typeof(BrokerServices).Assembly);

        return services;
    }
}
