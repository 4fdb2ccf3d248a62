using System.Collections.Frozen;
using System.Globalization;
using Gregor.Cluster.Configs;
using Gregor.Storage;
using K = Gregor.Cluster.Configs.BrokerConfigKeys;

namespace Gregor.Broker.Config;

/// <summary>
/// The broker's static configuration, typed. Every key — name, type, default, validator,
/// documentation — is defined once in <see cref="BrokerConfigKeys"/> (see docs/configuration.md,
/// generated from it); this class only gives components typed properties over the values.
/// Built once at start by <see cref="Parse"/> from the merged key/value map (file, then
/// command-line options, then <c>--override</c>s); immutable afterwards and safe to share between
/// threads. Keys the catalogue does not know are kept in <see cref="UnknownKeys"/> (Kafka also
/// accepts and ignores them) and every value stays readable through <see cref="Values"/>.
/// Dynamic broker configs (AlterConfigs on a BROKER resource) live in the metadata image and are
/// layered over these by <see cref="EffectiveConfigs"/>.
/// </summary>
public sealed class BrokerConfig
{
    public const string DefaultListener = "127.0.0.1:9092";
    public const string DefaultDataDir = "./gregor-data";

    private readonly FrozenDictionary<string, object?> _typed;
    private LogConfig? _logDefaults;

    private BrokerConfig(IReadOnlyDictionary<string, string> values, FrozenDictionary<string, object?> typed)
    {
        Values = values;
        _typed = typed;
        UnknownKeys = [.. values.Keys.Where(k => !ConfigCatalogue.Broker.ContainsKey(k)).Order(StringComparer.Ordinal)];
        Listeners = ListenerAddress.ParseList(String(K.Listeners)!, K.Listeners.Name);
        AdvertisedListeners = values.ContainsKey(K.AdvertisedListeners.Name)
            ? ListenerAddress.ParseList(String(K.AdvertisedListeners)!, K.AdvertisedListeners.Name)
            : Listeners;
        DataDir = (String(K.LogDirs) ?? String(K.LogDir)!)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? throw new BrokerConfigException("Invalid value for configuration log.dirs: a directory is required");
    }

    // Node and listeners.
    /// <summary>node.id, else broker.id.</summary>
    public int NodeId => Values.ContainsKey(K.NodeId.Name) || !Values.ContainsKey(K.BrokerId.Name) ? Int(K.NodeId) : Int(K.BrokerId);
    public IReadOnlyList<ListenerAddress> Listeners { get; }
    /// <summary>What Metadata tells clients to connect to; defaults to the listeners.</summary>
    public IReadOnlyList<ListenerAddress> AdvertisedListeners { get; }
    /// <summary>The first of <c>log.dirs</c> (or <c>log.dir</c>): the node's one data directory.</summary>
    public string DataDir { get; }
    public string? ClusterId => String(K.ClusterId);

    // Topics.
    public int NumPartitions => Int(K.NumPartitions);
    public short DefaultReplicationFactor => (short)Int(K.DefaultReplicationFactor);
    public bool AutoCreateTopicsEnable => Bool(K.AutoCreateTopicsEnable);
    public bool DeleteTopicEnable => Bool(K.DeleteTopicEnable);
    public int MessageMaxBytes => Int(K.MessageMaxBytes);
    public int MinInsyncReplicas => Int(K.MinInsyncReplicas);
    public string CompressionType => String(K.CompressionType)!;

    // Log defaults (topic configs override them per topic).
    /// <summary>From log.retention.ms, else .minutes, else .hours (168); -1 = keep forever.</summary>
    public long LogRetentionMs => Long(K.LogRetentionMs);
    public long LogRetentionBytes => Long(K.LogRetentionBytes);
    public int LogSegmentBytes => Int(K.LogSegmentBytes);
    /// <summary>From log.roll.ms, else log.roll.hours (168).</summary>
    public long LogRollMs => Long(K.LogRollMs);
    public long LogSegmentDeleteDelayMs => Long(K.LogSegmentDeleteDelayMs);
    public int MaxOpenSegmentFiles => Int(K.MaxOpenSegmentFiles);
    public int LogIndexIntervalBytes => Int(K.LogIndexIntervalBytes);
    public int LogIndexSizeMaxBytes => Int(K.LogIndexSizeMaxBytes);
    /// <summary>log.cleanup.policy, normalized (comma separated, no spaces).</summary>
    public string LogCleanupPolicy => string.Join(',', ConfigCatalogue.SplitList(String(K.LogCleanupPolicy)!));
    public long LogFlushIntervalMessages => Long(K.LogFlushIntervalMessages);
    /// <summary>log.flush.interval.ms; when unset Kafka uses log.flush.scheduler.interval.ms.</summary>
    public long LogFlushIntervalMs => Long(K.LogFlushIntervalMs);
    public long LogFlushSchedulerIntervalMs => Long(K.LogFlushSchedulerIntervalMs);
    public string LogMessageTimestampType => String(K.LogMessageTimestampType)!;
    public long LogMessageTimestampBeforeMaxMs => Long(K.LogMessageTimestampBeforeMaxMs);
    public long LogMessageTimestampAfterMaxMs => Long(K.LogMessageTimestampAfterMaxMs);
    public bool LogPreallocate => Bool(K.LogPreallocate);
    public long LogRetentionCheckIntervalMs => Long(K.LogRetentionCheckIntervalMs);
    public bool LogCleanerEnable => Bool(K.LogCleanerEnable);
    public double LogCleanerMinCleanableRatio => (double)_typed[K.LogCleanerMinCleanableRatio.Name]!;
    public long LogCleanerDeleteRetentionMs => Long(K.LogCleanerDeleteRetentionMs);
    public long LogCleanerMinCompactionLagMs => Long(K.LogCleanerMinCompactionLagMs);
    public long LogCleanerMaxCompactionLagMs => Long(K.LogCleanerMaxCompactionLagMs);
    /// <summary>gregor.flush.mode; when unset, <c>interval</c> if log.flush.interval.messages/ms is set, else <c>page-cache</c>.</summary>
    public string FlushMode => Values.ContainsKey(K.FlushMode.Name) ? String(K.FlushMode)!
        : Values.ContainsKey(K.LogFlushIntervalMessages.Name) || Values.ContainsKey(K.LogFlushIntervalMs.Name) ? "interval"
        : String(K.FlushMode)!;

    // Network.
    public int SocketRequestMaxBytes => Int(K.SocketRequestMaxBytes);
    public long ConnectionsMaxIdleMs => Long(K.ConnectionsMaxIdleMs);
    /// <summary>Requests of one connection processed or awaiting their turn to respond before reading pauses.</summary>
    public int ConnectionMaxInFlightRequests => Int(K.ConnectionMaxInFlightRequests);
    /// <summary>Request bytes in flight plus response bytes waiting to be written, per connection, before reading pauses.</summary>
    public long ConnectionMaxQueuedBytes => Long(K.ConnectionMaxQueuedBytes);
    public int FetchMaxBytes => Int(K.FetchMaxBytes);

    // Groups and offsets.
    public int OffsetsTopicNumPartitions => Int(K.OffsetsTopicNumPartitions);
    public short OffsetsTopicReplicationFactor => (short)Int(K.OffsetsTopicReplicationFactor);
    public int OffsetsTopicSegmentBytes => Int(K.OffsetsTopicSegmentBytes);
    public long OffsetsRetentionMinutes => Long(K.OffsetsRetentionMinutes);
    public long OffsetsRetentionCheckIntervalMs => Long(K.OffsetsRetentionCheckIntervalMs);
    public int OffsetsCommitTimeoutMs => Int(K.OffsetsCommitTimeoutMs);
    public int OffsetMetadataMaxBytes => Int(K.OffsetMetadataMaxBytes);
    public int GroupInitialRebalanceDelayMs => Int(K.GroupInitialRebalanceDelayMs);
    public int GroupMinSessionTimeoutMs => Int(K.GroupMinSessionTimeoutMs);
    public int GroupMaxSessionTimeoutMs => Int(K.GroupMaxSessionTimeoutMs);
    public int GroupMaxSize => Int(K.GroupMaxSize);
    public int GroupShareSessionTimeoutMs => Int(K.GroupShareSessionTimeoutMs);
    public int GroupShareHeartbeatIntervalMs => Int(K.GroupShareHeartbeatIntervalMs);
    public int GroupShareMaxSize => Int(K.GroupShareMaxSize);
    public int GroupShareRecordLockDurationMs => Int(K.GroupShareRecordLockDurationMs);
    public int GroupShareDeliveryCountLimit => Int(K.GroupShareDeliveryCountLimit);
    public int GroupSharePartitionMaxRecordLocks => Int(K.GroupSharePartitionMaxRecordLocks);
    public int GroupShareMaxShareSessions => Int(K.GroupShareMaxShareSessions);

    // Producers and transactions.
    public int ProducerIdExpirationMs => Int(K.ProducerIdExpirationMs);
    public int TransactionalIdExpirationMs => Int(K.TransactionalIdExpirationMs);
    public int TransactionMaxTimeoutMs => Int(K.TransactionMaxTimeoutMs);
    public int TransactionStateLogNumPartitions => Int(K.TransactionStateLogNumPartitions);

    /// <summary>gregor.log.level: the host's console log level (trace, debug, info, warn, error).</summary>
    public string LogLevel => String(K.LogLevel)!;

    /// <summary>gregor.log.format: the host's console log format (text or json).</summary>
    public string LogFormat => String(K.LogFormat)!;

    /// <summary>gregor.http.listen: the host's HTTP listener (empty: none).</summary>
    public string HttpListen => String(K.HttpListen) ?? "";

    /// <summary>gregor.otlp.endpoint: where traces are exported over OTLP/HTTP (empty: nowhere).</summary>
    public string OtlpEndpoint => String(K.OtlpEndpoint) ?? "";

    /// <summary>Every key and value as given (known and unknown keys).</summary>
    public IReadOnlyDictionary<string, string> Values { get; }
    /// <summary>Keys given that the catalogue does not know (kept, logged at debug by the host).</summary>
    public IReadOnlyList<string> UnknownKeys { get; }

    /// <summary>The defaults: what <c>gregor serve</c> with no arguments runs with.</summary>
    public static BrokerConfig Default => Parse(new Dictionary<string, string>());

    /// <summary>The keys <see cref="Parse"/> interprets (the catalogue's broker keys).</summary>
    public static IReadOnlyCollection<string> KnownKeys => ConfigCatalogue.Broker.Keys;

    /// <summary>
    /// Builds the typed config from key/value pairs. Throws <see cref="BrokerConfigException"/>
    /// with Kafka's wording ("Invalid value x for configuration num.partitions: ...") for a
    /// value of the wrong type or out of range.
    /// </summary>
    public static BrokerConfig Parse(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (name, value) in values)
        {
            if (ConfigCatalogue.FindBroker(name)?.Validate(value) is { } error)
            {
                throw new BrokerConfigException(error);
            }
        }
        var typed = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var key in BrokerConfigKeys.All)
        {
            typed[key.Name] = Typed(key, ConfigCatalogue.ResolveBroker(key, values));
        }
        var config = new BrokerConfig(new Dictionary<string, string>(values, StringComparer.Ordinal), typed.ToFrozenDictionary(StringComparer.Ordinal));
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
    /// The broker-wide defaults for every partition log (the log.* keys through their topic
    /// synonyms, built by the catalogue's <see cref="LogConfigFactory"/>); a topic's own configs
    /// are applied over these.
    /// </summary>
    public LogConfig LogDefaults => _logDefaults ??= LogConfigFactory.FromBrokerConfig(Values);

    private int Int(ConfigKey key) => Convert.ToInt32(_typed[key.Name], CultureInfo.InvariantCulture);

    private long Long(ConfigKey key) => Convert.ToInt64(_typed[key.Name], CultureInfo.InvariantCulture);

    private bool Bool(ConfigKey key) => (bool)_typed[key.Name]!;

    private string? String(ConfigKey key) => (string?)_typed[key.Name];

    private static object? Typed(ConfigKey key, string? value) => value is null ? null : key.Type switch
    {
        ConfigType.Int or ConfigType.Short or ConfigType.Long => long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        ConfigType.Double => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
        ConfigType.Boolean => bool.Parse(value),
        _ => value,
    };
}
