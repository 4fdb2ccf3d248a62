using System.Globalization;
using Gregor.Broker.Config;
using Gregor.Storage;

namespace Gregor.Broker.Replication;

/// <summary>
/// The storage <see cref="LogConfig"/> every partition starts from: the broker's log.* keys
/// (server.properties) under their topic-level names, which topic configs then override —
/// log.segment.bytes → segment.bytes, log.retention.ms/hours → retention.ms, message.max.bytes →
/// max.message.bytes, gregor.flush.mode=always → group-commit (an append is acknowledged only after
/// an fsync that covers it), and so on.
/// </summary>
public static class BrokerLogDefaults
{
    public static LogConfig From(BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var values = new Dictionary<string, string>
        {
            ["segment.bytes"] = Invariant(config.LogSegmentBytes),
            ["segment.ms"] = Invariant(config.LogRollMs),
            ["retention.ms"] = Invariant(config.LogRetentionMs),
            ["retention.bytes"] = Invariant(config.LogRetentionBytes),
            ["index.interval.bytes"] = Invariant(config.LogIndexIntervalBytes),
            ["segment.index.bytes"] = Invariant(config.LogIndexSizeMaxBytes),
            ["cleanup.policy"] = config.LogCleanupPolicy,
            ["delete.retention.ms"] = Invariant(config.LogCleanerDeleteRetentionMs),
            ["min.compaction.lag.ms"] = Invariant(config.LogCleanerMinCompactionLagMs),
            ["min.cleanable.dirty.ratio"] = config.LogCleanerMinCleanableRatio.ToString(CultureInfo.InvariantCulture),
            ["message.timestamp.type"] = config.LogMessageTimestampType,
            ["max.message.bytes"] = Invariant(config.MessageMaxBytes),
            ["file.delete.delay.ms"] = Invariant(config.LogSegmentDeleteDelayMs),
        };
        if (config.LogFlushIntervalMessages != long.MaxValue)
        {
            values["flush.messages"] = Invariant(config.LogFlushIntervalMessages);
        }
        if (config.LogFlushIntervalMs != long.MaxValue)
        {
            values["flush.ms"] = Invariant(config.LogFlushIntervalMs);
        }
        if (config.FlushMode == "always")
        {
            values["gregor.flush.mode"] = "group-commit";
        }
        return LogConfig.FromProperties(values);
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
