using System.Globalization;
using Gregor.Protocol.Records;

namespace Gregor.Storage;

/// <summary>
/// The per-topic log settings, named and defaulted as Kafka's topic configs
/// (https://kafka.apache.org/documentation/#topicconfigs). Immutable; a log picks up a new
/// one through <see cref="PartitionLog.UpdateConfig"/>.
/// </summary>
public sealed record LogConfig
{
    public const long Infinite = -1;

    /// <summary>segment.bytes: roll the active segment when the next batch would pass this size (1 GiB).</summary>
    public long SegmentBytes { get; init; } = 1L << 30;

    /// <summary>segment.ms: roll a non-empty active segment this long after its first batch (7 days).</summary>
    public long SegmentMs { get; init; } = 7L * 24 * 3600 * 1000;

    /// <summary>retention.ms: delete segments whose newest timestamp is older (7 days, -1 = forever).</summary>
    public long RetentionMs { get; init; } = 7L * 24 * 3600 * 1000;

    /// <summary>retention.bytes: delete the oldest segments while the log is larger (-1 = no limit).</summary>
    public long RetentionBytes { get; init; } = Infinite;

    /// <summary>index.interval.bytes: one sparse index entry per this many log bytes (4 KiB: one page to scan at most).</summary>
    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary>segment.index.bytes: an index this large rolls the segment (10 MiB = 1.3 M entries).</summary>
    public int SegmentIndexBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>flush.messages: fsync after this many appended records (Kafka default: never, leave it to the OS).</summary>
    public long FlushMessages { get; init; } = long.MaxValue;

    /// <summary>flush.ms: fsync data older than this (Kafka default: never).</summary>
    public long FlushMs { get; init; } = long.MaxValue;

    /// <summary>gregor.flush.mode: page-cache (default), interval (implied by flush.messages/flush.ms) or group-commit.</summary>
    public FlushMode FlushMode { get; init; } = FlushMode.PageCache;

    /// <summary>cleanup.policy contains "compact".</summary>
    public bool Compact { get; init; }

    /// <summary>cleanup.policy contains "delete" (the default policy).</summary>
    public bool Delete { get; init; } = true;

    /// <summary>delete.retention.ms: how long a tombstone survives compaction (1 day).</summary>
    public long DeleteRetentionMs { get; init; } = 24L * 3600 * 1000;

    /// <summary>message.timestamp.type.</summary>
    public TimestampType MessageTimestampType { get; init; } = TimestampType.CreateTime;

    /// <summary>max.message.bytes: the largest batch accepted (Kafka's 1 MiB + 12 bytes overhead).</summary>
    public int MaxMessageBytes { get; init; } = 1048588;

    /// <summary>min.cleanable.dirty.ratio: compact once this share of the log is uncleaned.</summary>
    public double MinCleanableDirtyRatio { get; init; } = 0.5;

    /// <summary>file.delete.delay.ms: how long a deleted segment lingers as *.deleted before removal.</summary>
    public long FileDeleteDelayMs { get; init; } = 60000;

    /// <summary>min.compaction.lag.ms: records younger than this are not compacted.</summary>
    public long MinCompactionLagMs { get; init; }

    /// <summary>producer.id.expiration.ms: forget an idle producer's state after this long (1 day), bounding producer state.</summary>
    public long ProducerIdExpirationMs { get; init; } = 24L * 3600 * 1000;

    /// <summary>
    /// gregor.max.open.segment.files: cap on segment files (.log, .index, .timeindex) held open,
    /// per <see cref="LogManager"/> (read from its defaults) or per standalone
    /// <see cref="PartitionLog"/>; idle non-active segments are closed, least recently used first,
    /// and reopened on their next read. Active segments and files pinned by read results may go over it.
    /// </summary>
    public int MaxOpenSegmentFiles { get; init; } = 1024;

    /// <summary>The Kafka defaults.</summary>
    public static LogConfig Default { get; } = new();

    /// <summary>
    /// Builds a config from Kafka topic config names over <paramref name="defaults"/> (the broker's
    /// log.* settings, or Kafka's defaults). Unknown names are ignored (they may belong to other
    /// layers); a known name with a bad value throws <see cref="ArgumentException"/> naming the
    /// config and the value, which the broker maps to INVALID_CONFIG.
    /// </summary>
    public static LogConfig FromProperties(IReadOnlyDictionary<string, string> topicConfig, LogConfig? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(topicConfig);
        var c = defaults ?? Default;
        var flushModeSet = false;
        foreach (var (name, raw) in topicConfig)
        {
            var value = raw?.Trim() ?? string.Empty;
            switch (name)
            {
                case "segment.bytes":
                    c = c with { SegmentBytes = ParseLong(name, value, 14, int.MaxValue) };
                    break;
                case "segment.ms":
                    c = c with { SegmentMs = ParseLong(name, value, 1, long.MaxValue) };
                    break;
                case "retention.ms":
                    c = c with { RetentionMs = ParseLong(name, value, -1, long.MaxValue) };
                    break;
                case "retention.bytes":
                    c = c with { RetentionBytes = ParseLong(name, value, -1, long.MaxValue) };
                    break;
                case "index.interval.bytes":
                    c = c with { IndexIntervalBytes = (int)ParseLong(name, value, 0, int.MaxValue) };
                    break;
                case "segment.index.bytes":
                    c = c with { SegmentIndexBytes = (int)ParseLong(name, value, 8, int.MaxValue) };
                    break;
                case "gregor.max.open.segment.files":
                    c = c with { MaxOpenSegmentFiles = (int)ParseLong(name, value, 1, int.MaxValue) };
                    break;
                case "flush.messages":
                    c = c with { FlushMessages = ParseLong(name, value, 1, long.MaxValue) };
                    break;
                case "flush.ms":
                    c = c with { FlushMs = ParseLong(name, value, 0, long.MaxValue) };
                    break;
                case "cleanup.policy":
                    c = ParseCleanupPolicy(c, value);
                    break;
                case "delete.retention.ms":
                    c = c with { DeleteRetentionMs = ParseLong(name, value, 0, long.MaxValue) };
                    break;
                case "min.compaction.lag.ms":
                    c = c with { MinCompactionLagMs = ParseLong(name, value, 0, long.MaxValue) };
                    break;
                case "message.timestamp.type":
                    c = c with
                    {
                        MessageTimestampType = value switch
                        {
                            "CreateTime" => TimestampType.CreateTime,
                            "LogAppendTime" => TimestampType.LogAppendTime,
                            _ => throw Invalid(name, value, "expected CreateTime or LogAppendTime"),
                        },
                    };
                    break;
                case "max.message.bytes":
                    c = c with { MaxMessageBytes = (int)ParseLong(name, value, 0, int.MaxValue) };
                    break;
                case "min.cleanable.dirty.ratio":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || ratio is < 0 or > 1)
                    {
                        throw Invalid(name, value, "expected a number between 0 and 1");
                    }
                    c = c with { MinCleanableDirtyRatio = ratio };
                    break;
                case "producer.id.expiration.ms":
                    c = c with { ProducerIdExpirationMs = ParseLong(name, value, 1, long.MaxValue) };
                    break;
                case "file.delete.delay.ms":
                    c = c with { FileDeleteDelayMs = ParseLong(name, value, 0, long.MaxValue) };
                    break;
                case "gregor.flush.mode":
                    flushModeSet = true;
                    c = c with
                    {
                        FlushMode = value switch
                        {
                            "page-cache" => FlushMode.PageCache,
                            "interval" => FlushMode.Interval,
                            "group-commit" => FlushMode.GroupCommit,
                            _ => throw Invalid(name, value, "expected page-cache, interval or group-commit"),
                        },
                    };
                    break;
                default:
                    break;
            }
        }
        // Setting flush.messages or flush.ms is how Kafka users ask for interval flushing.
        if (!flushModeSet && c.FlushMode == FlushMode.PageCache
            && (c.FlushMessages != long.MaxValue || c.FlushMs != long.MaxValue))
        {
            c = c with { FlushMode = FlushMode.Interval };
        }
        return c;
    }

    private static LogConfig ParseCleanupPolicy(LogConfig c, string value)
    {
        bool compact = false, delete = false;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part)
            {
                case "compact":
                    compact = true;
                    break;
                case "delete":
                    delete = true;
                    break;
                default:
                    throw Invalid("cleanup.policy", value, "expected delete, compact or compact,delete");
            }
        }
        if (!compact && !delete)
        {
            throw Invalid("cleanup.policy", value, "expected delete, compact or compact,delete");
        }
        return c with { Compact = compact, Delete = delete };
    }

    private static long ParseLong(string name, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            throw Invalid(name, value, "expected an integer");
        }
        if (v < min || v > max)
        {
            throw Invalid(name, value, $"expected a value in [{min}, {max}]");
        }
        return v;
    }

    private static ArgumentException Invalid(string name, string value, string why) =>
        new($"Invalid value '{value}' for configuration {name}: {why}.", name);
}
