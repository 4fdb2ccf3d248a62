using static Gregor.Cluster.Configs.ConfigImportance;
using static Gregor.Cluster.Configs.ConfigType;
using V = Gregor.Cluster.Configs.ConfigValidator;

namespace Gregor.Cluster.Configs;

/// <summary>
/// Every topic config Kafka 4.x accepts, each defined once: name, type, Kafka's default,
/// validator, the broker key that supplies its default (Kafka's ServerTopicConfigSynonyms) and
/// documentation. Kafka 4.0 removed message.format.version, message.downconversion.enable and
/// message.timestamp.difference.max.ms, so they are not here (INVALID_CONFIG, as on Kafka 4).
/// </summary>
public static class TopicConfigKeys
{
    private const string Max = "9223372036854775807";

    public static readonly ConfigKey CleanupPolicy = Topic("cleanup.policy", ConfigType.List, "delete", V.ListOf("delete", "compact"), Medium, "log.cleanup.policy",
        "delete (remove old segments by retention), compact (keep the latest record per key) or both; a compacted topic refuses records without a key.");
    public static readonly ConfigKey CompressionType = Topic("compression.type", ConfigType.String, "producer",
        V.OneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), Medium, "compression.type",
        "The final compression type of the topic's data; 'producer' keeps the producer's codec.");
    public static readonly ConfigKey CompressionGzipLevel = Topic("compression.gzip.level", Int, "-1", BrokerConfigKeys.CompressionGzipLevel.Validator, Medium, "compression.gzip.level",
        "The compression level when compression.type is gzip.");
    public static readonly ConfigKey CompressionLz4Level = Topic("compression.lz4.level", Int, "9", V.Between(1, 17), Medium, "compression.lz4.level",
        "The compression level when compression.type is lz4.");
    public static readonly ConfigKey CompressionZstdLevel = Topic("compression.zstd.level", Int, "3", V.Between(-131072, 22), Medium, "compression.zstd.level",
        "The compression level when compression.type is zstd.");
    public static readonly ConfigKey DeleteRetentionMs = Topic("delete.retention.ms", Long, "86400000", V.AtLeast(0), Medium, "log.cleaner.delete.retention.ms",
        "How long tombstones of a compacted topic survive compaction.");
    public static readonly ConfigKey FileDeleteDelayMs = Topic("file.delete.delay.ms", Long, "60000", V.AtLeast(0), Medium, "log.segment.delete.delay.ms",
        "How long a deleted segment stays on disk before its files are removed.");
    public static readonly ConfigKey FlushMessages = Topic("flush.messages", Long, Max, V.AtLeast(1), Medium, "log.flush.interval.messages",
        "Flush the log after this many records (default: leave it to the OS).");
    public static readonly ConfigKey FlushMs = Topic("flush.ms", Long, Max, V.AtLeast(0), Medium, "log.flush.interval.ms",
        "Flush data older than this many ms (default: leave it to the OS).");
    public static readonly ConfigKey FollowerReplicationThrottledReplicas = Topic("follower.replication.throttled.replicas", ConfigType.List, "", V.ThrottledReplicas, Medium, null,
        "Replicas whose follower replication is throttled. Accepted; Gregor does not replicate yet.");
    public static readonly ConfigKey IndexIntervalBytes = Topic("index.interval.bytes", Int, "4096", V.AtLeast(0), Medium, "log.index.interval.bytes",
        "The log bytes between two offset index entries.");
    public static readonly ConfigKey LeaderReplicationThrottledReplicas = Topic("leader.replication.throttled.replicas", ConfigType.List, "", V.ThrottledReplicas, Medium, null,
        "Replicas whose leader replication is throttled. Accepted; Gregor does not replicate yet.");
    public static readonly ConfigKey LocalRetentionBytes = Topic("local.retention.bytes", Long, "-2", V.AtLeast(-2), Medium, "log.local.retention.bytes",
        "Tiered storage: local retention in bytes. Accepted; Gregor has no tiered storage.");
    public static readonly ConfigKey LocalRetentionMs = Topic("local.retention.ms", Long, "-2", V.AtLeast(-2), Medium, "log.local.retention.ms",
        "Tiered storage: local retention in ms. Accepted; Gregor has no tiered storage.");
    public static readonly ConfigKey MaxCompactionLagMs = Topic("max.compaction.lag.ms", Long, Max, V.AtLeast(1), Medium, "log.cleaner.max.compaction.lag.ms",
        "The longest a record may stay uncompacted.");
    public static readonly ConfigKey MaxMessageBytes = Topic("max.message.bytes", Int, "1048588", V.AtLeast(0), Medium, "message.max.bytes",
        "The largest record batch size the topic accepts (after compression).");
    public static readonly ConfigKey MessageTimestampAfterMaxMs = Topic("message.timestamp.after.max.ms", Long, "3600000", V.AtLeast(0), Medium, "log.message.timestamp.after.max.ms",
        "How far in the future of the broker's clock a CreateTime timestamp may be.");
    public static readonly ConfigKey MessageTimestampBeforeMaxMs = Topic("message.timestamp.before.max.ms", Long, Max, V.AtLeast(0), Medium, "log.message.timestamp.before.max.ms",
        "How far in the past of the broker's clock a CreateTime timestamp may be.");
    public static readonly ConfigKey MessageTimestampType = Topic("message.timestamp.type", ConfigType.String, "CreateTime", V.OneOf("CreateTime", "LogAppendTime"), Medium,
        "log.message.timestamp.type", "CreateTime (the producer's timestamp) or LogAppendTime (the broker's append time).");
    public static readonly ConfigKey MinCleanableDirtyRatio = Topic("min.cleanable.dirty.ratio", ConfigType.Double, "0.5", V.Between(0.0, 1.0), Medium, "log.cleaner.min.cleanable.ratio",
        "The share of the log that must be uncompacted before it is compacted.");
    public static readonly ConfigKey MinCompactionLagMs = Topic("min.compaction.lag.ms", Long, "0", V.AtLeast(0), Medium, "log.cleaner.min.compaction.lag.ms",
        "Records younger than this are not compacted.");
    public static readonly ConfigKey MinInsyncReplicas = Topic("min.insync.replicas", Int, "1", V.AtLeast(1), Medium, "min.insync.replicas",
        "The minimum number of in-sync replicas for an acks=all produce.");
    public static readonly ConfigKey Preallocate = Topic("preallocate", ConfigType.Boolean, "false", V.Any, Medium, "log.preallocate",
        "Whether to preallocate a new segment file (accepted; Gregor does not preallocate).");
    public static readonly ConfigKey RemoteLogCopyDisable = Topic("remote.log.copy.disable", ConfigType.Boolean, "false", V.Any, Medium, null,
        "Tiered storage: stop copying segments to remote storage. Accepted; Gregor has no tiered storage.");
    public static readonly ConfigKey RemoteLogDeleteOnDisable = Topic("remote.log.delete.on.disable", ConfigType.Boolean, "false", V.Any, Medium, null,
        "Tiered storage: delete remote data when tiering is disabled. Accepted; Gregor has no tiered storage.");
    public static readonly ConfigKey RemoteStorageEnable = Topic("remote.storage.enable", ConfigType.Boolean, "false", V.Any, Medium, null,
        "Tiered storage for this topic. Accepted; Gregor has no tiered storage.");
    public static readonly ConfigKey RetentionBytes = Topic("retention.bytes", Long, "-1", V.AtLeast(-1), Medium, "log.retention.bytes",
        "The largest size of a partition's log before old segments are deleted (-1 = no limit).");
    public static readonly ConfigKey RetentionMs = Topic("retention.ms", Long, "604800000", V.AtLeast(-1), Medium, "log.retention.ms",
        "How long to keep a segment before deleting it (-1 = forever).");
    public static readonly ConfigKey SegmentBytes = Topic("segment.bytes", Int, "1073741824", V.AtLeast(14), Medium, "log.segment.bytes",
        "The largest size of one segment file.");
    public static readonly ConfigKey SegmentIndexBytes = Topic("segment.index.bytes", Int, "10485760", V.AtLeast(8), Medium, "log.index.size.max.bytes",
        "The largest size of an offset index; a full index rolls the segment.");
    public static readonly ConfigKey SegmentJitterMs = Topic("segment.jitter.ms", Long, "0", V.AtLeast(0), Medium, "log.roll.jitter.ms",
        "The largest random jitter subtracted from segment.ms (accepted; Gregor rolls without jitter).");
    public static readonly ConfigKey SegmentMs = Topic("segment.ms", Long, "604800000", V.AtLeast(1), Medium, "log.roll.ms",
        "Roll a non-empty segment this long after its first record.");
    public static readonly ConfigKey UncleanLeaderElectionEnable = Topic("unclean.leader.election.enable", ConfigType.Boolean, "false", V.Any, Medium, "unclean.leader.election.enable",
        "Whether a replica outside the ISR may become leader (no effect on a single node).");

    /// <summary>Every topic config, by name order.</summary>
    public static readonly IReadOnlyList<ConfigKey> All =
    [
        CleanupPolicy, CompressionGzipLevel, CompressionLz4Level, CompressionType, CompressionZstdLevel, DeleteRetentionMs,
        FileDeleteDelayMs, FlushMessages, FlushMs, FollowerReplicationThrottledReplicas, IndexIntervalBytes,
        LeaderReplicationThrottledReplicas, LocalRetentionBytes, LocalRetentionMs, MaxCompactionLagMs, MaxMessageBytes,
        MessageTimestampAfterMaxMs, MessageTimestampBeforeMaxMs, MessageTimestampType, MinCleanableDirtyRatio,
        MinCompactionLagMs, MinInsyncReplicas, Preallocate, RemoteLogCopyDisable, RemoteLogDeleteOnDisable, RemoteStorageEnable,
        RetentionBytes, RetentionMs, SegmentBytes, SegmentIndexBytes, SegmentJitterMs, SegmentMs, UncleanLeaderElectionEnable,
    ];

    private static ConfigKey Topic(string name, ConfigType type, string @default, ConfigValidator validator, ConfigImportance importance,
        string? brokerSynonym, string documentation) =>
        new(name, type, @default, validator, importance, ConfigScope.Topic, documentation) { BrokerSynonym = brokerSynonym };
}
