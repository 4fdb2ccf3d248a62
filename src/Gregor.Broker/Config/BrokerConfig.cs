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
        DataDir = (String(K.LogDirs) ?? String(K.LogDir)!)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? throw new BrokerConfigException("Invalid value for configuration log.dirs: a directory is required");
        ProcessRoles = ConfigCatalogue.SplitList(String(K.ProcessRoles)!);
        ControllerListenerNames = String(K.ControllerListenerNames) is { } names ? ConfigCatalogue.SplitList(names) : [];
        QuorumVoters = QuorumVoterAddress.ParseList(String(K.ControllerQuorumVoters)!, K.ControllerQuorumVoters.Name);
        QuorumBootstrapServers = String(K.ControllerQuorumBootstrapServers) is { Length: > 0 } bootstrap
            ? ListenerAddress.ParseList(bootstrap, K.ControllerQuorumBootstrapServers.Name)
            : [];
        ListenerSecurityProtocols = EffectiveProtocolMap(values, String(K.ListenerSecurityProtocolMap)!, ControllerListenerNames);
        ControllerListeners = [.. Listeners.Where(l => IsControllerListenerName(l.Name))];
        BrokerListeners = [.. Listeners.Where(l => !IsControllerListenerName(l.Name))];
        // Clients are never told about controller listeners (Kafka's quick start lists CONTROLLER in
        // advertised.listeners so that voters learn each other's address; that is not for clients).
        AdvertisedListeners = values.ContainsKey(K.AdvertisedListeners.Name)
            ? [.. ListenerAddress.ParseList(String(K.AdvertisedListeners)!, K.AdvertisedListeners.Name).Where(l => !IsControllerListenerName(l.Name))]
            : BrokerListeners;
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
    /// <summary>Every entry of log.dirs (or log.dir); Gregor stores partitions in the first, <c>storage format</c> formats them all.</summary>
    public IReadOnlyList<string> LogDirectories => (String(K.LogDirs) ?? String(K.LogDir)!)
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public string? BrokerRack => String(K.BrokerRack);
    /// <summary>metadata.log.dir, else the data directory (Gregor keeps the metadata log in its <c>metadata/</c> folder).</summary>
    public string MetadataLogDir => String(K.MetadataLogDir) ?? DataDir;

    // Roles, controller listener and the metadata quorum.
    /// <summary>process.roles: "broker", "controller" or both.</summary>
    public IReadOnlyList<string> ProcessRoles { get; }
    public bool IsBroker => ProcessRoles.Contains("broker");
    public bool IsController => ProcessRoles.Contains("controller");
    /// <summary>controller.listener.names (empty on a sole voter that runs the quorum in process).</summary>
    public IReadOnlyList<string> ControllerListenerNames { get; }
    /// <summary>The listeners whose name is a controller listener name (Raft, registrations, heartbeats).</summary>
    public IReadOnlyList<ListenerAddress> ControllerListeners { get; }
    /// <summary>The listeners that serve clients (every listener that is not a controller listener).</summary>
    public IReadOnlyList<ListenerAddress> BrokerListeners { get; }
    /// <summary>listener.security.protocol.map with controller listener names defaulting to PLAINTEXT (Kafka's effective map).</summary>
    public IReadOnlyDictionary<string, string> ListenerSecurityProtocols { get; }
    /// <summary>controller.quorum.voters; empty when not set.</summary>
    public IReadOnlyList<QuorumVoterAddress> QuorumVoters { get; }
    /// <summary>controller.quorum.bootstrap.servers; empty when not set.</summary>
    public IReadOnlyList<ListenerAddress> QuorumBootstrapServers { get; }
    /// <summary>
    /// True when this node is the only voter by configuration: no voters and no bootstrap servers
    /// configured (the default, <c>gregor serve</c> alone), or a voter list of just this node. Only
    /// a sole voter may format its own storage: an empty voter among several could win an election
    /// without the committed data.
    /// </summary>
    public bool IsSoleVoter => IsController
        && (QuorumVoters.Count == 0 ? QuorumBootstrapServers.Count == 0 : QuorumVoters.Count == 1 && QuorumVoters[0].Id == NodeId);
    public int ControllerQuorumElectionTimeoutMs => Int(K.ControllerQuorumElectionTimeoutMs);
    public int ControllerQuorumFetchTimeoutMs => Int(K.ControllerQuorumFetchTimeoutMs);
    public int ControllerQuorumElectionBackoffMaxMs => Int(K.ControllerQuorumElectionBackoffMaxMs);
    public int ControllerQuorumRequestTimeoutMs => Int(K.ControllerQuorumRequestTimeoutMs);
    public int BrokerHeartbeatIntervalMs => Int(K.BrokerHeartbeatIntervalMs);
    public int BrokerSessionTimeoutMs => Int(K.BrokerSessionTimeoutMs);
    public bool AutoLeaderRebalanceEnable => Bool(K.AutoLeaderRebalanceEnable);
    public long LeaderImbalanceCheckIntervalSeconds => Long(K.LeaderImbalanceCheckIntervalSeconds);
    public int LeaderImbalancePerBrokerPercentage => Int(K.LeaderImbalancePerBrokerPercentage);
    public long MetadataLogMaxRecordBytesBetweenSnapshots => Long(K.MetadataLogMaxRecordBytesBetweenSnapshots);
    public long MetadataLogMaxSnapshotIntervalMs => Long(K.MetadataLogMaxSnapshotIntervalMs);

    /// <summary>Whether <paramref name="listenerName"/> is one of controller.listener.names (case-insensitive, as Kafka normalises names).</summary>
    public bool IsControllerListenerName(string listenerName) =>
        ControllerListenerNames.Contains(listenerName, StringComparer.OrdinalIgnoreCase);

    // Topics.
    public int NumPartitions => Int(K.NumPartitions);
    public short DefaultReplicationFactor => (short)Int(K.DefaultReplicationFactor);
    public bool AutoCreateTopicsEnable => Bool(K.AutoCreateTopicsEnable);
    public bool DeleteTopicEnable => Bool(K.DeleteTopicEnable);
    public int MessageMaxBytes => Int(K.MessageMaxBytes);
    public int MinInsyncReplicas => Int(K.MinInsyncReplicas);

    // Replication.
    public long ReplicaLagTimeMaxMs => Long(K.ReplicaLagTimeMaxMs);
    public int ReplicaFetchMaxBytes => Int(K.ReplicaFetchMaxBytes);
    public int ReplicaFetchResponseMaxBytes => Int(K.ReplicaFetchResponseMaxBytes);
    public int ReplicaFetchWaitMaxMs => Int(K.ReplicaFetchWaitMaxMs);
    public int ReplicaFetchMinBytes => Int(K.ReplicaFetchMinBytes);
    public int ReplicaFetchBackoffMs => Int(K.ReplicaFetchBackoffMs);
    public long ReplicaHighWatermarkCheckpointIntervalMs => Long(K.ReplicaHighWatermarkCheckpointIntervalMs);
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
        config.ValidateRolesAndListeners();
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

    /// <summary>The cross-key rules of Kafka's KafkaConfig for KRaft roles, listeners and voters, with its messages.</summary>
    private void ValidateRolesAndListeners()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var listener in Listeners)
        {
            if (!names.Add(listener.Name))
            {
                throw new BrokerConfigException($"Each listener must have a different name, listeners: {String(K.Listeners)}");
            }
            if (!ListenerSecurityProtocols.TryGetValue(listener.Name.ToUpperInvariant(), out var protocol))
            {
                throw new BrokerConfigException(
                    $"No security protocol defined for listener {listener.Name} in listener.security.protocol.map ({String(K.ListenerSecurityProtocolMap)})");
            }
            if (protocol != "PLAINTEXT")
            {
                throw new BrokerConfigException($"Listener {listener.Name} maps to {protocol}; Gregor serves PLAINTEXT listeners only");
            }
        }
        var voters = string.Join(',', QuorumVoters.Select(v => v.ToString()));
        var nodeIsVoter = QuorumVoters.Any(v => v.Id == NodeId);
        if (IsController)
        {
            if (QuorumVoters.Count > 0 && !nodeIsVoter)
            {
                throw new BrokerConfigException(
                    $"If process.roles contains the 'controller' role, the node id {NodeId} must be included in the set of voters controller.quorum.voters={voters}");
            }
            if (!IsSoleVoter && ControllerListeners.Count == 0)
            {
                throw new BrokerConfigException(
                    "controller.listener.names must name at least one listener in 'listeners' when this controller is one of several voters (other voters and brokers connect to it there)");
            }
            if (ControllerListenerNames.Count > 0 && !Listeners.Any(l => string.Equals(l.Name, ControllerListenerNames[0], StringComparison.OrdinalIgnoreCase)))
            {
                throw new BrokerConfigException(
                    $"The listeners config must contain a listener named {ControllerListenerNames[0]}, the first of controller.listener.names, when running the KRaft controller role");
            }
            if (!IsBroker && BrokerListeners.Count > 0)
            {
                throw new BrokerConfigException(
                    $"The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller; {BrokerListeners[0].Name} is not one");
            }
        }
        else
        {
            if (nodeIsVoter)
            {
                throw new BrokerConfigException(
                    $"If process.roles contains just the 'broker' role, the node id {NodeId} must not be included in the set of voters controller.quorum.voters={voters}");
            }
            if (QuorumVoters.Count == 0 && QuorumBootstrapServers.Count == 0)
            {
                throw new BrokerConfigException(
                    "A broker-only node needs controller.quorum.voters or controller.quorum.bootstrap.servers to find the controllers");
            }
            if (ControllerListenerNames.Count == 0)
            {
                throw new BrokerConfigException("controller.listener.names must contain at least one value when running KRaft with just the broker role");
            }
            if (ControllerListeners.Count > 0)
            {
                throw new BrokerConfigException(
                    $"controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role ({ControllerListeners[0].Name})");
            }
        }
        if (IsBroker && BrokerListeners.Count == 0)
        {
            throw new BrokerConfigException("A broker needs at least one listener that is not a controller listener (listeners names only controller listeners)");
        }
    }

    private static Dictionary<string, string> EffectiveProtocolMap(IReadOnlyDictionary<string, string> values, string map, IReadOnlyList<string> controllerNames)
    {
        var protocols = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in ConfigCatalogue.SplitList(map))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            protocols[entry[..colon].Trim().ToUpperInvariant()] = entry[(colon + 1)..].Trim().ToUpperInvariant();
        }
        // Kafka: when the map is not set explicitly, controller listener names map to PLAINTEXT.
        if (!values.ContainsKey(K.ListenerSecurityProtocolMap.Name))
        {
            foreach (var name in controllerNames)
            {
                protocols.TryAdd(name.ToUpperInvariant(), "PLAINTEXT");
            }
        }
        return protocols;
    }

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
