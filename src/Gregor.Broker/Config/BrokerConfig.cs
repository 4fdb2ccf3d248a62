using System.Globalization;
using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Broker.Config;

/// <summary>
/// The broker's configuration, with Kafka's <c>server.properties</c> key names and defaults
/// (see docs/configuration.md for the list). Built once at start by <see cref="Parse"/> from
/// the merged key/value map (file, then command-line options, then <c>--override</c>s);
/// immutable afterwards and safe to share between threads. Keys this class does not know are
/// kept in <see cref="UnknownKeys"/> (Kafka also accepts and ignores them) and every value,
/// known or not, stays readable through <see cref="Values"/> so a component can read its own
/// keys without a change here.
/// </summary>
public sealed class BrokerConfig
{
    public const string DefaultListener = "127.0.0.1:9092";
    public const string DefaultDataDir = "./gregor-data";

    // Node and listeners.
    public int NodeId { get; private init; } = 1;
    public IReadOnlyList<ListenerAddress> Listeners { get; private init; } = [ListenerAddress.Parse(DefaultListener, "listeners")];
    /// <summary>What Metadata tells clients to connect to; defaults to the listeners.</summary>
    public IReadOnlyList<ListenerAddress> AdvertisedListeners { get; private init; } = [ListenerAddress.Parse(DefaultListener, "listeners")];
    /// <summary>The first of <c>log.dirs</c> (or <c>log.dir</c>): the node's one data directory.</summary>
    public string DataDir { get; private init; } = DefaultDataDir;
    public string? ClusterId { get; private init; }

    // Topics.
    public int NumPartitions { get; private init; } = 1;
    public short DefaultReplicationFactor { get; private init; } = 1;
    public bool AutoCreateTopicsEnable { get; private init; } = true;
    public bool DeleteTopicEnable { get; private init; } = true;
    public int MessageMaxBytes { get; private init; } = 1048588;
    public int MinInsyncReplicas { get; private init; } = 1;
    public string CompressionType { get; private init; } = "producer";

    // Log defaults (topic configs override them per topic).
    /// <summary>From log.retention.ms, else .minutes, else .hours (168); -1 = keep forever.</summary>
    public long LogRetentionMs { get; private init; } = 168L * 3_600_000;
    public long LogRetentionBytes { get; private init; } = -1;
    public int LogSegmentBytes { get; private init; } = 1024 * 1024 * 1024;
    /// <summary>From log.roll.ms, else log.roll.hours (168).</summary>
    public long LogRollMs { get; private init; } = 168L * 3_600_000;
    public long LogSegmentDeleteDelayMs { get; private init; } = 60_000;
    /// <summary>gregor.max.open.segment.files: the budget of segment files the log manager keeps open.</summary>
    public int MaxOpenSegmentFiles { get; private init; } = 1024;
    public int LogIndexIntervalBytes { get; private init; } = 4096;
    public int LogIndexSizeMaxBytes { get; private init; } = 10 * 1024 * 1024;
    public string LogCleanupPolicy { get; private init; } = "delete";
    public long LogFlushIntervalMessages { get; private init; } = long.MaxValue;
    /// <summary>log.flush.interval.ms; when unset Kafka uses log.flush.scheduler.interval.ms.</summary>
    public long LogFlushIntervalMs { get; private init; } = long.MaxValue;
    public long LogFlushSchedulerIntervalMs { get; private init; } = long.MaxValue;
    public string LogMessageTimestampType { get; private init; } = "CreateTime";
    public long LogMessageTimestampBeforeMaxMs { get; private init; } = long.MaxValue;
    public long LogMessageTimestampAfterMaxMs { get; private init; } = 3_600_000;
    public bool LogPreallocate { get; private init; }
    public long LogRetentionCheckIntervalMs { get; private init; } = 300_000;
    public bool LogCleanerEnable { get; private init; } = true;
    public double LogCleanerMinCleanableRatio { get; private init; } = 0.5;
    public long LogCleanerDeleteRetentionMs { get; private init; } = 86_400_000;
    public long LogCleanerMinCompactionLagMs { get; private init; }
    public long LogCleanerMaxCompactionLagMs { get; private init; } = long.MaxValue;
    /// <summary>
    /// gregor.flush.mode: when appends reach the disk. <c>page-cache</c> (Kafka's default: the
    /// OS decides), <c>interval</c> (log.flush.interval.messages/ms; implied when either is set),
    /// <c>group-commit</c> (an append is acknowledged only after an fsync covering it).
    /// </summary>
    public string FlushMode { get; private init; } = "page-cache";

    // Network.
    public int SocketRequestMaxBytes { get; private init; } = 104_857_600;
    public long ConnectionsMaxIdleMs { get; private init; } = 600_000;
    /// <summary>Requests of one connection processed or awaiting their turn to respond before reading pauses.</summary>
    public int ConnectionMaxInFlightRequests { get; private init; } = 64;
    /// <summary>Request bytes in flight plus response bytes waiting to be written, per connection, before reading pauses.</summary>
    public long ConnectionMaxQueuedBytes { get; private init; } = 64L * 1024 * 1024;
    public int FetchMaxBytes { get; private init; } = 57_671_680;

    // Groups and offsets.
    public int OffsetsTopicNumPartitions { get; private init; } = 50;
    public short OffsetsTopicReplicationFactor { get; private init; } = 1;
    public int OffsetsTopicSegmentBytes { get; private init; } = 104_857_600;
    public long OffsetsRetentionMinutes { get; private init; } = 10_080;
    public long OffsetsRetentionCheckIntervalMs { get; private init; } = 600_000;
    public int OffsetsCommitTimeoutMs { get; private init; } = 5000;
    public int OffsetMetadataMaxBytes { get; private init; } = 4096;
    public int GroupInitialRebalanceDelayMs { get; private init; } = 3000;
    public int GroupMinSessionTimeoutMs { get; private init; } = 6000;
    public int GroupMaxSessionTimeoutMs { get; private init; } = 1_800_000;
    public int GroupMaxSize { get; private init; } = int.MaxValue;

    // Producers and transactions.
    public int ProducerIdExpirationMs { get; private init; } = 86_400_000;
    public int TransactionalIdExpirationMs { get; private init; } = 604_800_000;
    public int TransactionMaxTimeoutMs { get; private init; } = 900_000;
    public int TransactionStateLogNumPartitions { get; private init; } = 50;

    /// <summary>gregor.log.level: the host's console log level (trace, debug, info, warn, error).</summary>
    public string LogLevel { get; private init; } = "info";

    /// <summary>Every key and value as given (known and unknown keys).</summary>
    public IReadOnlyDictionary<string, string> Values { get; private init; } = new Dictionary<string, string>();
    /// <summary>Keys given that this class does not interpret (kept, logged at debug by the host).</summary>
    public IReadOnlyList<string> UnknownKeys { get; private init; } = [];

    /// <summary>The defaults: what <c>gregor serve</c> with no arguments runs with.</summary>
    public static BrokerConfig Default => Parse(new Dictionary<string, string>());

    /// <summary>The keys <see cref="Parse"/> interprets.</summary>
    public static IReadOnlyCollection<string> KnownKeys => KnownKeySet;

    /// <summary>
    /// Builds the typed config from key/value pairs. Throws <see cref="BrokerConfigException"/>
    /// with Kafka-style wording ("Invalid value x for configuration num.partitions: ...") for a
    /// value of the wrong type or out of range.
    /// </summary>
    public static BrokerConfig Parse(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var r = new Reader(values);
        var listeners = r.Listeners("listeners", DefaultListener);
        var dataDir = r.String("log.dirs", null) ?? r.String("log.dir", DefaultDataDir)!;
        dataDir = dataDir.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? throw new BrokerConfigException("Invalid value for configuration log.dirs: a directory is required");
        var flushMs = r.Long("log.flush.scheduler.interval.ms", long.MaxValue, 0);
        var config = new BrokerConfig
        {
            NodeId = r.Int("node.id", r.Int("broker.id", 1, 0), 0),
            Listeners = listeners,
            AdvertisedListeners = r.Has("advertised.listeners") ? r.Listeners("advertised.listeners", DefaultListener) : listeners,
            DataDir = dataDir,
            ClusterId = r.String("cluster.id", null),
            NumPartitions = r.Int("num.partitions", 1, 1),
            DefaultReplicationFactor = r.Short("default.replication.factor", 1, 1),
            AutoCreateTopicsEnable = r.Bool("auto.create.topics.enable", true),
            DeleteTopicEnable = r.Bool("delete.topic.enable", true),
            MessageMaxBytes = r.Int("message.max.bytes", 1048588, 0),
            MinInsyncReplicas = r.Int("min.insync.replicas", 1, 1),
            CompressionType = r.OneOf("compression.type", "producer", "uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
            LogRetentionMs = RetentionMs(r),
            LogRetentionBytes = r.Long("log.retention.bytes", -1, long.MinValue),
            LogSegmentBytes = r.Int("log.segment.bytes", 1024 * 1024 * 1024, 14),
            LogRollMs = r.Has("log.roll.ms") ? r.Long("log.roll.ms", 0, 1) : r.Int("log.roll.hours", 168, 1) * 3_600_000L,
            LogSegmentDeleteDelayMs = r.Long("log.segment.delete.delay.ms", 60_000, 0),
            MaxOpenSegmentFiles = r.Int("gregor.max.open.segment.files", 1024, 1),
            LogIndexIntervalBytes = r.Int("log.index.interval.bytes", 4096, 0),
            LogIndexSizeMaxBytes = r.Int("log.index.size.max.bytes", 10 * 1024 * 1024, 4),
            LogCleanupPolicy = CleanupPolicy(r),
            LogFlushIntervalMessages = r.Long("log.flush.interval.messages", long.MaxValue, 1),
            LogFlushIntervalMs = r.Long("log.flush.interval.ms", flushMs, 0),
            LogFlushSchedulerIntervalMs = flushMs,
            LogMessageTimestampType = r.OneOf("log.message.timestamp.type", "CreateTime", "CreateTime", "LogAppendTime"),
            LogMessageTimestampBeforeMaxMs = r.Long("log.message.timestamp.before.max.ms", long.MaxValue, 0),
            LogMessageTimestampAfterMaxMs = r.Long("log.message.timestamp.after.max.ms", 3_600_000, 0),
            LogPreallocate = r.Bool("log.preallocate", false),
            LogRetentionCheckIntervalMs = r.Long("log.retention.check.interval.ms", 300_000, 1),
            LogCleanerEnable = r.Bool("log.cleaner.enable", true),
            LogCleanerMinCleanableRatio = r.Double("log.cleaner.min.cleanable.ratio", 0.5, 0, 1),
            LogCleanerDeleteRetentionMs = r.Long("log.cleaner.delete.retention.ms", 86_400_000, 0),
            LogCleanerMinCompactionLagMs = r.Long("log.cleaner.min.compaction.lag.ms", 0, 0),
            LogCleanerMaxCompactionLagMs = r.Long("log.cleaner.max.compaction.lag.ms", long.MaxValue, 1),
            FlushMode = r.OneOf("gregor.flush.mode", FlushModeDefault(r), "page-cache", "interval", "group-commit"),
            SocketRequestMaxBytes = r.Int("socket.request.max.bytes", 104_857_600, 1),
            ConnectionsMaxIdleMs = r.Long("connections.max.idle.ms", 600_000, -1),
            ConnectionMaxInFlightRequests = r.Int("gregor.connection.max.inflight.requests", 64, 1),
            ConnectionMaxQueuedBytes = r.Long("gregor.connection.max.queued.bytes", 64L * 1024 * 1024, 1),
            FetchMaxBytes = r.Int("fetch.max.bytes", 57_671_680, 1024),
            OffsetsTopicNumPartitions = r.Int("offsets.topic.num.partitions", 50, 1),
            OffsetsTopicReplicationFactor = r.Short("offsets.topic.replication.factor", 1, 1),
            OffsetsTopicSegmentBytes = r.Int("offsets.topic.segment.bytes", 104_857_600, 1),
            OffsetsRetentionMinutes = r.Long("offsets.retention.minutes", 10_080, 1),
            OffsetsRetentionCheckIntervalMs = r.Long("offsets.retention.check.interval.ms", 600_000, 1),
            OffsetsCommitTimeoutMs = r.Int("offsets.commit.timeout.ms", 5000, 1),
            OffsetMetadataMaxBytes = r.Int("offset.metadata.max.bytes", 4096, 0),
            GroupInitialRebalanceDelayMs = r.Int("group.initial.rebalance.delay.ms", 3000, 0),
            GroupMinSessionTimeoutMs = r.Int("group.min.session.timeout.ms", 6000, 0),
            GroupMaxSessionTimeoutMs = r.Int("group.max.session.timeout.ms", 1_800_000, 0),
            GroupMaxSize = r.Int("group.max.size", int.MaxValue, 1),
            ProducerIdExpirationMs = r.Int("producer.id.expiration.ms", 86_400_000, 1),
            TransactionalIdExpirationMs = r.Int("transactional.id.expiration.ms", 604_800_000, 1),
            TransactionMaxTimeoutMs = r.Int("transaction.max.timeout.ms", 900_000, 1),
            TransactionStateLogNumPartitions = r.Int("transaction.state.log.num.partitions", 50, 1),
            LogLevel = r.OneOf("gregor.log.level", "info", "trace", "debug", "info", "warn", "error"),
            Values = new Dictionary<string, string>(values, StringComparer.Ordinal),
            UnknownKeys = [.. values.Keys.Where(k => !KnownKeySet.Contains(k)).Order(StringComparer.Ordinal)],
        };
        if (config.GroupMinSessionTimeoutMs > config.GroupMaxSessionTimeoutMs)
        {
            throw new BrokerConfigException(
                $"group.min.session.timeout.ms ({config.GroupMinSessionTimeoutMs}) must not exceed group.max.session.timeout.ms ({config.GroupMaxSessionTimeoutMs})");
        }
        return config;
    }

    /// <summary>A copy with the given keys replaced, re-validated (tests and --override).</summary>
    public BrokerConfig With(IReadOnlyDictionary<string, string> overrides)
    {
        var merged = new Dictionary<string, string>(Values, StringComparer.Ordinal);
        foreach (var (key, value) in overrides)
        {
            merged[key] = value;
        }
        return Parse(merged);
    }

    /// <summary>
    /// The broker-wide defaults for every partition log (the log.* keys, as Kafka's topic
    /// config defaults); a topic's own configs are applied over these with
    /// <see cref="LogConfig.FromProperties"/>.
    /// </summary>
    public LogConfig LogDefaults => _logDefaults ??= new LogConfig
    {
        SegmentBytes = LogSegmentBytes,
        SegmentMs = LogRollMs,
        RetentionMs = LogRetentionMs,
        RetentionBytes = LogRetentionBytes,
        IndexIntervalBytes = LogIndexIntervalBytes,
        SegmentIndexBytes = LogIndexSizeMaxBytes,
        FlushMessages = LogFlushIntervalMessages,
        FlushMs = LogFlushIntervalMs,
        FlushMode = FlushMode switch
        {
            "interval" => Gregor.Storage.FlushMode.Interval,
            "group-commit" => Gregor.Storage.FlushMode.GroupCommit,
            _ => Gregor.Storage.FlushMode.PageCache,
        },
        Compact = LogCleanupPolicy.Split(',').Contains("compact"),
        Delete = LogCleanupPolicy.Split(',').Contains("delete"),
        DeleteRetentionMs = LogCleanerDeleteRetentionMs,
        MessageTimestampType = LogMessageTimestampType == "LogAppendTime" ? TimestampType.LogAppendTime : TimestampType.CreateTime,
        MaxMessageBytes = MessageMaxBytes,
        MinCleanableDirtyRatio = LogCleanerMinCleanableRatio,
        FileDeleteDelayMs = LogSegmentDeleteDelayMs,
        MinCompactionLagMs = LogCleanerMinCompactionLagMs,
        MaxOpenSegmentFiles = MaxOpenSegmentFiles,
    };

    private LogConfig? _logDefaults;

    // As the storage layer: setting a flush interval is how Kafka users ask for interval flushing.
    private static string FlushModeDefault(Reader r) =>
        r.Has("log.flush.interval.messages") || r.Has("log.flush.interval.ms") ? "interval" : "page-cache";

    private static long RetentionMs(Reader r)
    {
        if (r.Has("log.retention.ms"))
        {
            return r.Long("log.retention.ms", 0, -1);
        }
        if (r.Has("log.retention.minutes"))
        {
            return r.Int("log.retention.minutes", 0, -1) is var minutes && minutes < 0 ? -1 : minutes * 60_000L;
        }
        var hours = r.Int("log.retention.hours", 168, -1);
        return hours < 0 ? -1 : hours * 3_600_000L;
    }

    private static string CleanupPolicy(Reader r)
    {
        var value = r.String("log.cleanup.policy", "delete")!;
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => p is not ("delete" or "compact")))
        {
            throw new BrokerConfigException($"Invalid value {value} for configuration log.cleanup.policy: String must be one of: compact, delete");
        }
        return string.Join(',', parts);
    }

    private static readonly HashSet<string> KnownKeySet = new(StringComparer.Ordinal)
    {
        "node.id", "broker.id", "listeners", "advertised.listeners", "log.dirs", "log.dir", "cluster.id",
        "num.partitions", "default.replication.factor", "auto.create.topics.enable", "delete.topic.enable",
        "message.max.bytes", "min.insync.replicas", "compression.type",
        "log.retention.ms", "log.retention.minutes", "log.retention.hours", "log.retention.bytes",
        "log.segment.bytes", "log.roll.ms", "log.roll.hours", "log.segment.delete.delay.ms",
        "log.index.interval.bytes", "log.index.size.max.bytes", "log.cleanup.policy",
        "log.flush.interval.messages", "log.flush.interval.ms", "log.flush.scheduler.interval.ms",
        "log.message.timestamp.type", "log.message.timestamp.before.max.ms", "log.message.timestamp.after.max.ms",
        "log.preallocate", "log.retention.check.interval.ms", "log.cleaner.enable",
        "log.cleaner.min.cleanable.ratio", "log.cleaner.delete.retention.ms",
        "log.cleaner.min.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", "gregor.flush.mode",
        "gregor.max.open.segment.files",
        "socket.request.max.bytes", "connections.max.idle.ms", "gregor.connection.max.inflight.requests",
        "gregor.connection.max.queued.bytes", "fetch.max.bytes",
        "offsets.topic.num.partitions", "offsets.topic.replication.factor", "offsets.topic.segment.bytes",
        "offsets.retention.minutes", "offsets.retention.check.interval.ms", "offsets.commit.timeout.ms",
        "offset.metadata.max.bytes", "group.initial.rebalance.delay.ms", "group.min.session.timeout.ms",
        "group.max.session.timeout.ms", "group.max.size", "producer.id.expiration.ms",
        "transactional.id.expiration.ms", "transaction.max.timeout.ms", "transaction.state.log.num.partitions",
        "gregor.log.level",
    };

    /// <summary>Typed reads of one key with Kafka's error wording.</summary>
    private sealed class Reader(IReadOnlyDictionary<string, string> values)
    {
        public bool Has(string key) => values.ContainsKey(key);

        public string? String(string key, string? fallback) =>
            values.TryGetValue(key, out var value) ? value.Trim() : fallback;

        public int Int(string key, int fallback, int min)
        {
            if (!values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw Invalid(key, text, "Not a number of type INT");
            }
            return value >= min ? value : throw Invalid(key, text, $"Value must be at least {min}");
        }

        public short Short(string key, short fallback, short min)
        {
            if (!values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            if (!short.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw Invalid(key, text, "Not a number of type SHORT");
            }
            return value >= min ? value : throw Invalid(key, text, $"Value must be at least {min}");
        }

        public long Long(string key, long fallback, long min)
        {
            if (!values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            if (!long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw Invalid(key, text, "Not a number of type LONG");
            }
            return value >= min ? value : throw Invalid(key, text, $"Value must be at least {min}");
        }

        public double Double(string key, double fallback, double min, double max)
        {
            if (!values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value))
            {
                throw Invalid(key, text, "Not a number of type DOUBLE");
            }
            return value >= min && value <= max ? value : throw Invalid(key, text, $"Value must be between {min} and {max}");
        }

        public bool Bool(string key, bool fallback)
        {
            if (!values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            return text.Trim().ToLowerInvariant() switch
            {
                "true" => true,
                "false" => false,
                _ => throw Invalid(key, text, "Expected value to be either true or false"),
            };
        }

        public string OneOf(string key, string fallback, params string[] allowed)
        {
            if (!values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            var value = text.Trim();
            return allowed.Contains(value, StringComparer.Ordinal)
                ? value
                : throw Invalid(key, text, $"String must be one of: {string.Join(", ", allowed)}");
        }

        public IReadOnlyList<ListenerAddress> Listeners(string key, string fallback) =>
            ListenerAddress.ParseList(String(key, fallback)!, key);

        private static BrokerConfigException Invalid(string key, string value, string why) =>
            new($"Invalid value {value} for configuration {key}: {why}");
    }
}
