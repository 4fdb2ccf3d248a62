using Gregor.Broker.Config;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Replication;

/// <summary>
/// Registers the data plane in the broker's container (called from BrokerServices): the storage
/// <see cref="LogManager"/> over the data dir, the <see cref="ReplicaManager"/> that opens the logs
/// of partitions this node leads, and the <see cref="ProducerIdManager"/>. A hosted service starts
/// the log manager's background work and creates the replica manager before the listener binds,
/// so every hosted partition is open (recovered) when the first request arrives. The container
/// disposes them in reverse order on shutdown: partitions first, then the log manager, which
/// flushes and closes every log.
/// </summary>
public static class ReplicationServices
{
    public static IServiceCollection AddGregorReplication(this IServiceCollection services, BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddSingleton(sp => new LogManager(config.DataDir, config.LogDefaults, loggers: sp.GetService<ILoggerFactory>()));
        services.AddSingleton<IReplicaLogProvider>(sp => new StorageReplicaLogProvider(
            sp.GetRequiredService<LogManager>(), sp.GetService<ILogger<StorageReplicaLogProvider>>()));
        services.AddSingleton(sp => new ReplicaManager(
            sp.GetRequiredService<IMetadataPublisher>(),
            sp.GetRequiredService<IReplicaLogProvider>(),
            new ReplicaManagerOptions(
                config.NodeId,
                config.MessageMaxBytes,
                LogAppendTime: string.Equals(config.LogMessageTimestampType, "LogAppendTime", StringComparison.OrdinalIgnoreCase),
                TimestampBeforeMaxMs: config.LogMessageTimestampBeforeMaxMs,
                TimestampAfterMaxMs: config.LogMessageTimestampAfterMaxMs),
            sp.GetService<ILogger<ReplicaManager>>()));
        services.AddSingleton(sp =>
        {
            var controller = sp.GetRequiredService<IController>();
            return new ProducerIdManager(controller.AllocateProducerIdBlockAsync);
        });
        services.AddHostedService<ReplicationStartup>();
        return services;
    }
}
