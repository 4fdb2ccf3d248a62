using System.Globalization;
using Gregor.Broker.Config;
using Gregor.Cluster.Configs;

namespace Gregor.Broker.Admin;

/// <summary>
/// Topic config defaults as this broker's config sets them: each topic config whose broker
/// synonym (e.g. retention.ms ← log.retention.ms/minutes/hours) is configured takes the
/// broker's value; the rest keep Kafka's defaults. Stateless.
/// </summary>
public static class TopicConfigDefaults
{
    /// <summary>Broker keys that set each topic config's default, in Kafka's precedence order.</summary>
    private static readonly Dictionary<string, string[]> BrokerKeys = new(StringComparer.Ordinal)
    {
        ["retention.ms"] = ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
        ["segment.ms"] = ["log.roll.ms", "log.roll.hours"],
        ["segment.jitter.ms"] = ["log.roll.jitter.ms", "log.roll.jitter.hours"],
    };

    /// <summary>The broker config keys that can set <paramref name="definition"/>'s default.</summary>
    public static IReadOnlyList<string> SynonymKeys(TopicConfigDefinition definition) =>
        BrokerKeys.TryGetValue(definition.Name, out var keys) ? keys
        : definition.BrokerSynonym is { } synonym ? [synonym]
        : [];

    /// <summary>True when the broker's config explicitly sets this topic config's default.</summary>
    public static bool IsStaticallyConfigured(BrokerConfig config, TopicConfigDefinition definition) =>
        SynonymKeys(definition).Any(config.Values.ContainsKey);

    /// <summary>Topic config name → default value for every topic config the broker config overrides.</summary>
    public static Dictionary<string, string> FromBrokerConfig(BrokerConfig config)
    {
        var typed = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["retention.ms"] = Format(config.LogRetentionMs),
            ["retention.bytes"] = Format(config.LogRetentionBytes),
            ["segment.bytes"] = Format(config.LogSegmentBytes),
            ["segment.ms"] = Format(config.LogRollMs),
            ["segment.index.bytes"] = Format(config.LogIndexSizeMaxBytes),
            ["index.interval.bytes"] = Format(config.LogIndexIntervalBytes),
            ["file.delete.delay.ms"] = Format(config.LogSegmentDeleteDelayMs),
            ["cleanup.policy"] = config.LogCleanupPolicy,
            ["compression.type"] = config.CompressionType,
            ["flush.messages"] = Format(config.LogFlushIntervalMessages),
            ["flush.ms"] = Format(config.LogFlushIntervalMs),
            ["max.message.bytes"] = Format(config.MessageMaxBytes),
            ["message.timestamp.type"] = config.LogMessageTimestampType,
            ["message.timestamp.before.max.ms"] = Format(config.LogMessageTimestampBeforeMaxMs),
            ["message.timestamp.after.max.ms"] = Format(config.LogMessageTimestampAfterMaxMs),
            ["min.insync.replicas"] = Format(config.MinInsyncReplicas),
            ["preallocate"] = config.LogPreallocate ? "true" : "false",
            ["min.cleanable.dirty.ratio"] = config.LogCleanerMinCleanableRatio.ToString(CultureInfo.InvariantCulture),
            ["delete.retention.ms"] = Format(config.LogCleanerDeleteRetentionMs),
            ["min.compaction.lag.ms"] = Format(config.LogCleanerMinCompactionLagMs),
            ["max.compaction.lag.ms"] = Format(config.LogCleanerMaxCompactionLagMs),
        };
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in TopicConfigCatalogue.All.Values)
        {
            if (typed.TryGetValue(definition.Name, out var value))
            {
                // Typed values fold hours/minutes into ms; they equal Kafka's defaults when nothing is set.
                result[definition.Name] = value;
            }
            else if (SynonymKeys(definition).FirstOrDefault(config.Values.ContainsKey) is { } key)
            {
                result[definition.Name] = config.Values[key];
            }
        }
        return result;
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
