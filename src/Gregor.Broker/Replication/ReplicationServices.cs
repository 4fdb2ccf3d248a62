using System.Diagnostics.Metrics;
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
/// of partitions this node leads, and the <see cref="ProducerIdManager"/>. The node's "open logs"
/// lifecycle step (<see cref="Lifecycle.BrokerSteps"/>) creates the log manager (which recovers
/// the logs), starts its background work and opens the replica manager before the listener
/// accepts, so every hosted partition is open when the first request arrives; on shutdown it
/// closes the partitions, then the log manager, which flushes and closes every log.
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
                TimestampAfterMaxMs: config.LogMessageTimestampAfterMaxMs,
                Compacted: ProduceLimits.IsCompact(config.LogCleanupPolicy))
            {
                TopicConfigs = TopicConfigResolver(sp.GetRequiredService<IController>()),
            },
            sp.GetService<ILogger<ReplicaManager>>(),
            meterFactory: sp.GetRequiredService<IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            var controller = sp.GetRequiredService<IController>();
            return new ProducerIdManager(controller.AllocateProducerIdBlockAsync, transactionMaxTimeoutMs: config.TransactionMaxTimeoutMs);
        });
        return services;
    }

    // A topic's overrides over the topic defaults the image's dynamic broker configs set; the
    // topic's own map (no allocation) while no dynamic broker config exists.
    private static Func<MetadataImage, TopicImage, IReadOnlyDictionary<string, string>> TopicConfigResolver(IController controller) =>
        (image, topic) => image.BrokerConfigs.IsEmpty ? topic.Configs : controller.Configs.TopicConfigs(image, topic.Configs);
}
