using Gregor.Protocol.Records;

namespace Gregor.Storage;

/// <summary>
/// The per-topic log settings, named and defaulted as Kafka's topic configs
/// (https://kafka.apache.org/documentation/#topicconfigs). Typed only: parsing config names
/// and values is the config catalogue's job (Gregor.Cluster's LogConfigFactory builds these
/// from topic and broker configs; a test there keeps <see cref="Default"/> equal to the
/// catalogue's defaults). Immutable; a log picks up a new one through <see cref="PartitionLog.UpdateConfig"/>.
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
}
