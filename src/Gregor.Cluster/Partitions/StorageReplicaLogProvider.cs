using Gregor.Cluster.Configs;
using Gregor.Protocol;
using Gregor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Opens partition logs through the storage <see cref="LogManager"/>, with the topic's configs
/// layered over the broker's log defaults (Kafka's log.* keys). A topic config storage rejects is
/// logged and the defaults are used, so one bad override does not keep a partition offline.
/// Thread-safety: as the LogManager.
/// </summary>
public sealed partial class StorageReplicaLogProvider(LogManager logManager, ILogger<StorageReplicaLogProvider>? logger = null) : IReplicaLogProvider
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public IReplicaLog GetOrCreate(TopicPartition partition, Guid topicId, IReadOnlyDictionary<string, string> topicConfigs)
    {
        var config = ToLogConfig(topicConfigs, logManager.Defaults, _logger);
        var log = logManager.GetOrCreate(new TopicPartition(partition.Topic, partition.Partition), config);
        return new StorageReplicaLog(log, logManager.Defaults);
    }

    public void Delete(TopicPartition partition) =>
        logManager.Delete(new TopicPartition(partition.Topic, partition.Partition));

    internal static LogConfig ToLogConfig(IReadOnlyDictionary<string, string> topicConfigs, LogConfig defaults, ILogger? logger = null)
    {
        try
        {
            return LogConfigFactory.FromTopicConfigs(topicConfigs, defaults);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or StorageException or InvalidOperationException)
        {
            if (logger is not null)
            {
                LogBadTopicConfig(logger, e);
            }
            return defaults;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring topic configs storage rejected; using broker defaults")]
    private static partial void LogBadTopicConfig(ILogger logger, Exception exception);
}
