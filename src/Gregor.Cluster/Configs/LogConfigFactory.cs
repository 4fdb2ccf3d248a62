using System.Globalization;
using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Cluster.Configs;

/// <summary>
/// Builds storage's <see cref="LogConfig"/> from the catalogue's keys, so the storage engine
/// stays free of config names: a topic's configs over the broker's log defaults, and those
/// defaults from the broker settings (log.* keys through their topic synonyms, plus
/// gregor.flush.mode and gregor.max.open.segment.files). Stateless.
/// </summary>
public static class LogConfigFactory
{
    /// <summary>
    /// <paramref name="topicConfigs"/> (topic config names) applied over <paramref name="defaults"/>;
    /// names storage does not use are ignored. A value the catalogue rejects throws
    /// <see cref="ArgumentException"/> with the INVALID_CONFIG message. Setting flush.messages or
    /// flush.ms selects interval flushing, as it does for Kafka users.
    /// </summary>
    public static LogConfig FromTopicConfigs(IReadOnlyDictionary<string, string> topicConfigs, LogConfig defaults)
    {
        ArgumentNullException.ThrowIfNull(topicConfigs);
        var c = defaults;
        foreach (var (name, raw) in topicConfigs)
        {
            if (!ConfigCatalogue.Topic.TryGetValue(name, out var key))
            {
                continue;
            }
            if (key.Validate(raw ?? "") is { } error)
            {
                throw new ArgumentException(error, name);
            }
            var value = raw!.Trim();
            c = name switch
            {
                "segment.bytes" => c with { SegmentBytes = Long(value) },
                "segment.ms" => c with { SegmentMs = Long(value) },
                "retention.ms" => c with { RetentionMs = Long(value) },
                "retention.bytes" => c with { RetentionBytes = Long(value) },
                "index.interval.bytes" => c with { IndexIntervalBytes = (int)Long(value) },
                "segment.index.bytes" => c with { SegmentIndexBytes = (int)Long(value) },
                "flush.messages" => c with { FlushMessages = Long(value) },
                "flush.ms" => c with { FlushMs = Long(value) },
                "cleanup.policy" => c with
                {
                    Compact = ConfigCatalogue.SplitList(value).Contains("compact"),
                    Delete = ConfigCatalogue.SplitList(value).Contains("delete"),
                },
                "delete.retention.ms" => c with { DeleteRetentionMs = Long(value) },
                "min.compaction.lag.ms" => c with { MinCompactionLagMs = Long(value) },
                "message.timestamp.type" => c with { MessageTimestampType = value == "LogAppendTime" ? TimestampType.LogAppendTime : TimestampType.CreateTime },
                "max.message.bytes" => c with { MaxMessageBytes = (int)Long(value) },
                "min.cleanable.dirty.ratio" => c with { MinCleanableDirtyRatio = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture) },
                "file.delete.delay.ms" => c with { FileDeleteDelayMs = Long(value) },
                _ => c,
            };
        }
        if (c.FlushMode == FlushMode.PageCache && (c.FlushMessages != long.MaxValue || c.FlushMs != long.MaxValue))
        {
            c = c with { FlushMode = FlushMode.Interval };
        }
        return c;
    }

    /// <summary>The broker-wide log defaults under these (validated) broker settings.</summary>
    public static LogConfig FromBrokerConfig(IReadOnlyDictionary<string, string> brokerValues)
    {
        var flushMode = ConfigCatalogue.ResolveBroker(BrokerConfigKeys.FlushMode, brokerValues) switch
        {
            "interval" => FlushMode.Interval,
            "group-commit" => FlushMode.GroupCommit,
            _ => FlushMode.PageCache,
        };
        var maxOpen = (int)Long(ConfigCatalogue.ResolveBroker(BrokerConfigKeys.MaxOpenSegmentFiles, brokerValues)!);
        return FromTopicConfigs(ConfigCatalogue.TopicDefaults(brokerValues),
            LogConfig.Default with { FlushMode = flushMode, MaxOpenSegmentFiles = maxOpen });
    }

    private static long Long(string value) => long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
