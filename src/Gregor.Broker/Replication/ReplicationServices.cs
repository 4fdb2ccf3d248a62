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
/// closes the partitions, then the log manager, which flushes and closes every log. Replication
/// (<see cref="ReplicationRuntime"/>): the replica fetchers, the AlterPartition manager and the
/// high-watermark checkpoint, hooked to the replica manager before it opens.
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
                MinInsyncReplicas = config.MinInsyncReplicas,
                ReplicaLagTimeMaxMs = config.ReplicaLagTimeMaxMs,
                HighWatermarkCheckpoint = CheckpointedHighWatermarks(sp.GetRequiredService<LogManager>()),
            },
            sp.GetService<ILogger<ReplicaManager>>(),
            meterFactory: sp.GetRequiredService<IMeterFactory>()));
        services.AddSingleton(sp => new ReplicaFetcherManager(
            sp.GetRequiredService<ReplicaManager>(),
            sp.GetRequiredService<IMetadataPublisher>(),
            new ReplicaFetcherOptions(
                config.NodeId,
                config.ReplicaFetchMaxBytes,
                config.ReplicaFetchResponseMaxBytes,
                config.ReplicaFetchWaitMaxMs,
                config.ReplicaFetchMinBytes,
                config.ReplicaFetchBackoffMs),
            sp.GetService<ILogger<ReplicaFetcherManager>>()));
        services.AddSingleton(sp => new AlterPartitionManager(
            sp.GetRequiredService<IController>(),
            sp.GetRequiredService<ReplicaManager>(),
            config.ReplicaLagTimeMaxMs,
            sp.GetService<ILogger<AlterPartitionManager>>()));
        services.AddSingleton(sp => new ReplicationRuntime(
            sp.GetRequiredService<ReplicaManager>(),
            sp.GetRequiredService<ReplicaFetcherManager>(),
            sp.GetRequiredService<AlterPartitionManager>(),
            () => new HighWatermarkCheckpointer(
                sp.GetRequiredService<ReplicaManager>(),
                sp.GetRequiredService<LogManager>(),
                TimeSpan.FromMilliseconds(config.ReplicaHighWatermarkCheckpointIntervalMs),
                sp.GetService<ILogger<HighWatermarkCheckpointer>>())));
        services.AddSingleton(sp =>
        {
            var controller = sp.GetRequiredService<IController>();
            return new ProducerIdManager(controller.AllocateProducerIdBlockAsync, transactionMaxTimeoutMs: config.TransactionMaxTimeoutMs);
        });
        return services;
    }

    // Read once, when the first replicated partition opens: the high watermarks of the last run.
    private static Func<Gregor.Protocol.TopicPartition, long?> CheckpointedHighWatermarks(LogManager logs)
    {
        var checkpoint = new Lazy<IReadOnlyDictionary<Gregor.Protocol.TopicPartition, long>>(logs.ReadHighWatermarks);
        return topicPartition => checkpoint.Value.TryGetValue(topicPartition, out var hwm) ? hwm : null;
    }

    // A topic's overrides over the topic defaults the image's dynamic broker configs set; the
    // topic's own map (no allocation) while no dynamic broker config exists.
    private static Func<MetadataImage, TopicImage, IReadOnlyDictionary<string, string>> TopicConfigResolver(IController controller) =>
        (image, topic) => image.BrokerConfigs.IsEmpty ? topic.Configs : controller.Configs.TopicConfigs(image, topic.Configs);
}
