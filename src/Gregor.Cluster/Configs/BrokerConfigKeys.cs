using static Gregor.Cluster.Configs.ConfigImportance;
using static Gregor.Cluster.Configs.ConfigScope;
using static Gregor.Cluster.Configs.ConfigType;
using V = Gregor.Cluster.Configs.ConfigValidator;

namespace Gregor.Cluster.Configs;

/// <summary>
/// Every broker key Gregor reads (server.properties / --override / dynamic broker configs),
/// each defined once: Kafka's name, type and default where Kafka has the key (gregor.* keys are
/// Gregor's own), validator, scope and documentation. The broker's typed BrokerConfig,
/// DescribeConfigs and docs/configuration.md are derived from this list.
/// Cluster-wide dynamic keys are the log.* defaults Kafka's DynamicLogConfig reconfigures live;
/// keys Gregor cannot apply at runtime are read-only even where Kafka could change them.
/// </summary>
public static class BrokerConfigKeys
{
    private const string Max = "9223372036854775807";
    private const string MaxInt = "2147483647";

    // Node and listeners.
    public static readonly ConfigKey NodeId = new("node.id", Int, "1", V.AtLeast(0), High, ReadOnly,
        "The node id of this server (broker.id is read when node.id is not set). Gregor's default is 1: a single node is a cluster of one.");
    public static readonly ConfigKey BrokerId = new("broker.id", Int, null, V.AtLeast(0), High, ReadOnly,
        "The pre-KRaft name of node.id; used only when node.id is not set.");
    public static readonly ConfigKey Listeners = new("listeners", ConfigType.List, "127.0.0.1:9092", V.Any, High, ReadOnly,
        "Comma-separated listeners, HOST:PORT or NAME://HOST:PORT (names as in listener.security.protocol.map, all PLAINTEXT; the ones named in controller.listener.names serve the controller). An empty host binds every interface; port 0 picks a free port.");
    public static readonly ConfigKey AdvertisedListeners = new("advertised.listeners", ConfigType.List, null, V.Any, High, ReadOnly,
        "What Metadata tells clients to connect to; defaults to the listeners that are not controller listeners (controller listeners here are never shown to clients).");
    public static readonly ConfigKey LogDirs = new("log.dirs", ConfigType.List, null, V.Any, High, ReadOnly,
        "The data directory (Gregor uses the first entry); log.dir is read when this is not set.");
    public static readonly ConfigKey LogDir = new("log.dir", ConfigType.String, "./gregor-data", V.Any, High, ReadOnly,
        "The data directory when log.dirs is not set.");
    public static readonly ConfigKey ClusterId = new("cluster.id", ConfigType.String, null, V.Any, Medium, ReadOnly,
        "Cluster id for a new data directory (kept in meta.properties); generated when not set.");

    public static readonly ConfigKey ProcessRoles = new("process.roles", ConfigType.List, "broker,controller",
        V.Custom("[broker, controller]", v => ValidRoles(v)), High, ReadOnly,
        "The roles this node plays: broker, controller, or both (Gregor's default: a single node is a cluster of one).");
    public static readonly ConfigKey ControllerListenerNames = new("controller.listener.names", ConfigType.List, null, V.Any, High, ReadOnly,
        "Names of the listeners the controller serves (Raft, broker registration and heartbeats); the first one is what brokers and other voters connect to. Not set on a sole voter: it runs the quorum in process.");
    public static readonly ConfigKey ListenerSecurityProtocolMap = new("listener.security.protocol.map", ConfigType.List,
        "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
        V.Custom("NAME:PROTOCOL,...", v => ValidProtocolMap(v)), Low, ReadOnly,
        "Listener name to security protocol. Controller listener names missing from the default map are PLAINTEXT, as in Kafka. Gregor serves PLAINTEXT only.");
    public static readonly ConfigKey BrokerRack = new("broker.rack", ConfigType.String, null, V.Any, Medium, ReadOnly,
        "The rack of this broker, used by rack-aware replica placement.");
    public static readonly ConfigKey MetadataLogDir = new("metadata.log.dir", ConfigType.String, null, V.Any, High, ReadOnly,
        "Where meta.properties and the metadata log (metadata/__cluster_metadata-0) live; defaults to the first of log.dirs.");

    // Metadata quorum (KRaft).
    public static readonly ConfigKey ControllerQuorumVoters = new("controller.quorum.voters", ConfigType.List, "",
        V.Custom("id@host:port,...", v => ValidVoters(v)), High, ReadOnly,
        "The static voter set: {id}@{host}:{port} of every controller's controller listener. Empty: this node is the only voter.");
    public static readonly ConfigKey ControllerQuorumBootstrapServers = new("controller.quorum.bootstrap.servers", ConfigType.List, "", V.Any, High, ReadOnly,
        "host:port of controllers to discover the quorum from (KIP-853) when controller.quorum.voters is not set.");
    public static readonly ConfigKey ControllerQuorumElectionTimeoutMs = new("controller.quorum.election.timeout.ms", Int, "1000", V.AtLeast(0), High, ReadOnly,
        "How long a voter waits without hearing from a leader before it starts an election.");
    public static readonly ConfigKey ControllerQuorumFetchTimeoutMs = new("controller.quorum.fetch.timeout.ms", Int, "2000", V.AtLeast(0), High, ReadOnly,
        "How long a follower waits without a successful fetch from the leader before it becomes a candidate; the leader resigns when no majority fetched within it.");
    public static readonly ConfigKey ControllerQuorumElectionBackoffMaxMs = new("controller.quorum.election.backoff.max.ms", Int, "1000", V.AtLeast(0), High, ReadOnly,
        "The longest (randomized, exponential) backoff before a new election.");
    public static readonly ConfigKey ControllerQuorumRequestTimeoutMs = new("controller.quorum.request.timeout.ms", Int, "2000", V.AtLeast(0), High, ReadOnly,
        "How long a Raft request waits for its response before it is retried.");
    public static readonly ConfigKey BrokerHeartbeatIntervalMs = new("broker.heartbeat.interval.ms", Int, "2000", V.AtLeast(1), Medium, ReadOnly,
        "How often a broker sends BrokerHeartbeat to the active controller.");
    public static readonly ConfigKey BrokerSessionTimeoutMs = new("broker.session.timeout.ms", Int, "9000", V.AtLeast(1), Medium, ReadOnly,
        "How long the controller waits for a broker's heartbeat before fencing it.");
    public static readonly ConfigKey AutoLeaderRebalanceEnable = new("auto.leader.rebalance.enable", ConfigType.Boolean, "true", V.Any, High, ReadOnly,
        "Whether the active controller moves leadership back to preferred replicas every leader.imbalance.check.interval.seconds.");
    public static readonly ConfigKey LeaderImbalanceCheckIntervalSeconds = new("leader.imbalance.check.interval.seconds", Long, "300", V.AtLeast(1), High, ReadOnly,
        "How often the controller checks for partitions not led by their preferred replica.");
    public static readonly ConfigKey LeaderImbalancePerBrokerPercentage = new("leader.imbalance.per.broker.percentage", Int, "10", V.AtLeast(0), High, ReadOnly,
        "The share (%) of a broker's preferred partitions it may not lead before leadership is rebalanced to it.");
    public static readonly ConfigKey MetadataLogMaxRecordBytesBetweenSnapshots = new("metadata.log.max.record.bytes.between.snapshots", Long, "20971520",
        V.AtLeast(1), High, ReadOnly,
        "The metadata log bytes appended since the last snapshot after which a new snapshot is taken.");
    public static readonly ConfigKey MetadataLogMaxSnapshotIntervalMs = new("metadata.log.max.snapshot.interval.ms", Long, "3600000", V.AtLeast(0), High, ReadOnly,
        "The longest time before committed metadata not yet in a snapshot is snapshotted (0 = by size only).");

    // Topics.
    public static readonly ConfigKey NumPartitions = new("num.partitions", Int, "1", V.AtLeast(1), Medium, ReadOnly,
        "The default number of partitions of a created or auto-created topic.");
    public static readonly ConfigKey DefaultReplicationFactor = new("default.replication.factor", Short, "1", V.AtLeast(1), Medium, ReadOnly,
        "The default replication factor of a created or auto-created topic.");
    public static readonly ConfigKey AutoCreateTopicsEnable = new("auto.create.topics.enable", ConfigType.Boolean, "true", V.Any, High, ReadOnly,
        "Create a topic on first use by Metadata (when the client allows it).");
    public static readonly ConfigKey DeleteTopicEnable = new("delete.topic.enable", ConfigType.Boolean, "true", V.Any, High, ReadOnly,
        "Whether DeleteTopics may delete topics.");
    public static readonly ConfigKey MessageMaxBytes = new("message.max.bytes", Int, "1048588", V.AtLeast(0), High, ClusterWide,
        "The largest record batch size allowed by Kafka (after compression if compression is enabled); the default of max.message.bytes.");
    public static readonly ConfigKey MinInsyncReplicas = new("min.insync.replicas", Int, "1", V.AtLeast(1), High, ClusterWide,
        "The minimum number of in-sync replicas for an acks=all produce; the default of the topic config.");
    public static readonly ConfigKey CompressionType = new("compression.type", ConfigType.String, "producer",
        V.OneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), High, ClusterWide,
        "The final compression type of a topic's data; 'producer' keeps the codec the producer used.");
    public static readonly ConfigKey CompressionGzipLevel = new("compression.gzip.level", Int, "-1",
        V.Custom("[1,...,9] or -1", v => v is "-1" || int.TryParse(v, out var n) && n is >= 1 and <= 9 ? null : "Value must be between 1 and 9, or -1"), Medium, ClusterWide,
        "The compression level when compression.type is gzip.");
    public static readonly ConfigKey CompressionLz4Level = new("compression.lz4.level", Int, "9", V.Between(1, 17), Medium, ClusterWide,
        "The compression level when compression.type is lz4.");
    public static readonly ConfigKey CompressionZstdLevel = new("compression.zstd.level", Int, "3", V.Between(-131072, 22), Medium, ClusterWide,
        "The compression level when compression.type is zstd.");
    public static readonly ConfigKey UncleanLeaderElectionEnable = new("unclean.leader.election.enable", ConfigType.Boolean, "false", V.Any, High, ClusterWide,
        "Whether a replica outside the ISR may become leader (no effect on a single node).");
    public static readonly ConfigKey ReplicaLagTimeMaxMs = new("replica.lag.time.max.ms", Long, "30000", V.AtLeast(1), High, ReadOnly,
        "A follower that has not caught up to the leader's log end for this long is removed from the ISR.");
    public static readonly ConfigKey ReplicaFetchMaxBytes = new("replica.fetch.max.bytes", Int, "1048576", V.AtLeast(0), Medium, ReadOnly,
        "Bytes of messages a follower fetches per partition per request (the first batch comes whole even when larger).");
    public static readonly ConfigKey ReplicaFetchResponseMaxBytes = new("replica.fetch.response.max.bytes", Int, "10485760", V.AtLeast(0), Medium, ReadOnly,
        "Bytes a follower's fetch response may carry in total.");
    public static readonly ConfigKey ReplicaFetchWaitMaxMs = new("replica.fetch.wait.max.ms", Int, "500", V.AtLeast(0), Medium, ReadOnly,
        "How long a follower's fetch waits at the leader for new data (keep it below replica.lag.time.max.ms).");
    public static readonly ConfigKey ReplicaFetchMinBytes = new("replica.fetch.min.bytes", Int, "1", V.AtLeast(1), Medium, ReadOnly,
        "Bytes a follower's fetch waits for at the leader before it is answered.");
    public static readonly ConfigKey ReplicaFetchBackoffMs = new("replica.fetch.backoff.ms", Int, "1000", V.AtLeast(0), Medium, ReadOnly,
        "How long a follower waits before fetching again after a fetch failed.");
    public static readonly ConfigKey ReplicaHighWatermarkCheckpointIntervalMs = new("replica.high.watermark.checkpoint.interval.ms", Long, "5000", V.AtLeast(1), High, ReadOnly,
        "How often the high watermarks are saved to the replication-offset-checkpoint of the log directory.");

    // Log defaults: the broker synonyms of the topic configs.
    public static readonly ConfigKey LogRetentionMs = new("log.retention.ms", Long, null, V.AtLeast(-1), High, ClusterWide,
        "How long to keep a log segment before deleting it, in ms (-1 = forever); log.retention.minutes and log.retention.hours are read when not set.")
    { Synonyms = [new("log.retention.minutes", 60_000), new("log.retention.hours", 3_600_000)] };
    public static readonly ConfigKey LogRetentionMinutes = new("log.retention.minutes", Int, null, V.Any, High, ReadOnly,
        "log.retention.ms in minutes, read when log.retention.ms is not set.");
    public static readonly ConfigKey LogRetentionHours = new("log.retention.hours", Int, "168", V.Any, High, ReadOnly,
        "log.retention.ms in hours, read when neither log.retention.ms nor log.retention.minutes is set.");
    public static readonly ConfigKey LogRetentionBytes = new("log.retention.bytes", Long, "-1", V.Any, High, ClusterWide,
        "The largest size of a partition's log before old segments are deleted (-1 = no limit).");
    public static readonly ConfigKey LogSegmentBytes = new("log.segment.bytes", Int, "1073741824", V.AtLeast(14), High, ClusterWide,
        "The largest size of one segment file.");
    public static readonly ConfigKey LogRollMs = new("log.roll.ms", Long, null, V.AtLeast(1), High, ClusterWide,
        "The longest time before a new segment is rolled out, in ms; log.roll.hours is read when not set.")
    { Synonyms = [new("log.roll.hours", 3_600_000)] };
    public static readonly ConfigKey LogRollHours = new("log.roll.hours", Int, "168", V.AtLeast(1), High, ReadOnly,
        "log.roll.ms in hours, read when log.roll.ms is not set.");
    public static readonly ConfigKey LogRollJitterMs = new("log.roll.jitter.ms", Long, null, V.AtLeast(0), High, ClusterWide,
        "The largest jitter subtracted from the roll time, in ms; log.roll.jitter.hours is read when not set.")
    { Synonyms = [new("log.roll.jitter.hours", 3_600_000)] };
    public static readonly ConfigKey LogRollJitterHours = new("log.roll.jitter.hours", Int, "0", V.AtLeast(0), High, ReadOnly,
        "log.roll.jitter.ms in hours.");
    public static readonly ConfigKey LogSegmentDeleteDelayMs = new("log.segment.delete.delay.ms", Long, "60000", V.AtLeast(0), High, ClusterWide,
        "How long a deleted segment stays on disk (renamed *.deleted) before its files are removed.");
    public static readonly ConfigKey LogIndexIntervalBytes = new("log.index.interval.bytes", Int, "4096", V.AtLeast(0), Medium, ClusterWide,
        "The log bytes between two offset index entries.");
    public static readonly ConfigKey LogIndexSizeMaxBytes = new("log.index.size.max.bytes", Int, "10485760", V.AtLeast(4), Medium, ClusterWide,
        "The largest size of an offset index; a full index rolls the segment.");
    public static readonly ConfigKey LogCleanupPolicy = new("log.cleanup.policy", ConfigType.List, "delete", V.ListOf("compact", "delete"), Medium, ClusterWide,
        "The default cleanup policy: delete (retention), compact (keep the latest record per key) or both.");
    public static readonly ConfigKey LogFlushIntervalMessages = new("log.flush.interval.messages", Long, Max, V.AtLeast(1), High, ClusterWide,
        "Flush a partition's log after this many records (default: leave it to the OS); setting it selects gregor.flush.mode=interval.");
    public static readonly ConfigKey LogFlushIntervalMs = new("log.flush.interval.ms", Long, null, V.Any, High, ClusterWide,
        "Flush data older than this many ms; log.flush.scheduler.interval.ms is read when not set. Setting it selects gregor.flush.mode=interval.")
    { Synonyms = [new("log.flush.scheduler.interval.ms")] };
    public static readonly ConfigKey LogFlushSchedulerIntervalMs = new("log.flush.scheduler.interval.ms", Long, Max, V.Any, High, ReadOnly,
        "How often the flusher checks whether a log needs a flush; the default of log.flush.interval.ms.");
    public static readonly ConfigKey LogMessageTimestampType = new("log.message.timestamp.type", ConfigType.String, "CreateTime",
        V.OneOf("CreateTime", "LogAppendTime"), Medium, ClusterWide,
        "Whether a record's timestamp is the producer's (CreateTime) or the broker's append time (LogAppendTime).");
    public static readonly ConfigKey LogMessageTimestampBeforeMaxMs = new("log.message.timestamp.before.max.ms", Long, Max, V.AtLeast(0), Medium, ClusterWide,
        "How far in the past of the broker's clock a CreateTime timestamp may be.");
    public static readonly ConfigKey LogMessageTimestampAfterMaxMs = new("log.message.timestamp.after.max.ms", Long, "3600000", V.AtLeast(0), Medium, ClusterWide,
        "How far in the future of the broker's clock a CreateTime timestamp may be.");
    public static readonly ConfigKey LogPreallocate = new("log.preallocate", ConfigType.Boolean, "false", V.Any, Medium, ClusterWide,
        "Whether to preallocate a new segment file (accepted; Gregor does not preallocate).");
    public static readonly ConfigKey LogRetentionCheckIntervalMs = new("log.retention.check.interval.ms", Long, "300000", V.AtLeast(1), Medium, ReadOnly,
        "How often the retention and compaction task runs.");
    public static readonly ConfigKey LogCleanerEnable = new("log.cleaner.enable", ConfigType.Boolean, "true", V.Any, Medium, ReadOnly,
        "Whether compacted topics are compacted.");
    public static readonly ConfigKey LogCleanerMinCleanableRatio = new("log.cleaner.min.cleanable.ratio", ConfigType.Double, "0.5", V.Between(0.0, 1.0), Medium, ClusterWide,
        "The share of a log that must be uncompacted before it is compacted.");
    public static readonly ConfigKey LogCleanerDeleteRetentionMs = new("log.cleaner.delete.retention.ms", Long, "86400000", V.AtLeast(0), Medium, ClusterWide,
        "How long tombstones survive compaction.");
    public static readonly ConfigKey LogCleanerMinCompactionLagMs = new("log.cleaner.min.compaction.lag.ms", Long, "0", V.AtLeast(0), Medium, ClusterWide,
        "Records younger than this are not compacted.");
    public static readonly ConfigKey LogCleanerMaxCompactionLagMs = new("log.cleaner.max.compaction.lag.ms", Long, Max, V.AtLeast(1), Medium, ClusterWide,
        "The longest a record may stay uncompacted.");
    public static readonly ConfigKey LogLocalRetentionMs = new("log.local.retention.ms", Long, "-2", V.AtLeast(-2), Medium, ClusterWide,
        "Tiered storage: local retention in ms (-2 = log.retention.ms). Accepted; Gregor has no tiered storage.");
    public static readonly ConfigKey LogLocalRetentionBytes = new("log.local.retention.bytes", Long, "-2", V.AtLeast(-2), Medium, ClusterWide,
        "Tiered storage: local retention in bytes (-2 = log.retention.bytes). Accepted; Gregor has no tiered storage.");
    public static readonly ConfigKey FlushMode = new("gregor.flush.mode", ConfigType.String, "page-cache",
        V.OneOf("page-cache", "interval", "group-commit"), High, ReadOnly,
        "When appends reach the disk: page-cache (Kafka's default, the OS decides), interval (log.flush.interval.*; implied when either is set) or group-commit (a produce is acknowledged only after an fsync covering it).");
    public static readonly ConfigKey MaxOpenSegmentFiles = new("gregor.max.open.segment.files", Int, "1024", V.AtLeast(1), Low, ReadOnly,
        "The segment files (.log, .index, .timeindex) kept open at once; idle ones are closed least recently used first.");

    // Network.
    public static readonly ConfigKey SocketRequestMaxBytes = new("socket.request.max.bytes", Int, "104857600", V.AtLeast(1), High, ReadOnly,
        "The largest request accepted; checked before allocating.");
    public static readonly ConfigKey ConnectionsMaxIdleMs = new("connections.max.idle.ms", Long, "600000", V.AtLeast(-1), Medium, ReadOnly,
        "Close connections idle for this long (-1 = never).");
    public static readonly ConfigKey ConnectionMaxInFlightRequests = new("gregor.connection.max.inflight.requests", Int, "64", V.AtLeast(1), Low, ReadOnly,
        "Requests of one connection in progress or awaiting their turn to respond before reading pauses.");
    public static readonly ConfigKey ConnectionMaxQueuedBytes = new("gregor.connection.max.queued.bytes", Long, "67108864", V.AtLeast(1), Low, ReadOnly,
        "Request bytes in flight plus response bytes waiting to be written, per connection, before reading pauses.");
    public static readonly ConfigKey FetchMaxBytes = new("fetch.max.bytes", Int, "57671680", V.AtLeast(1024), Medium, ReadOnly,
        "The most bytes one fetch response returns.");

    // Groups and offsets.
    public static readonly ConfigKey OffsetsTopicNumPartitions = new("offsets.topic.num.partitions", Int, "50", V.AtLeast(1), High, ReadOnly,
        "Partitions of __consumer_offsets (fixed once the topic exists).");
    public static readonly ConfigKey OffsetsTopicReplicationFactor = new("offsets.topic.replication.factor", Short, "3", V.AtLeast(1), High, ReadOnly,
        "Replication factor of __consumer_offsets, reduced to the number of registered brokers when fewer exist (a single node has one replica).");
    public static readonly ConfigKey OffsetsTopicSegmentBytes = new("offsets.topic.segment.bytes", Int, "104857600", V.AtLeast(1), High, ReadOnly,
        "segment.bytes of __consumer_offsets.");
    public static readonly ConfigKey OffsetsRetentionMinutes = new("offsets.retention.minutes", Int, "10080", V.AtLeast(1), High, ReadOnly,
        "How long committed offsets of an empty group are kept.");
    public static readonly ConfigKey OffsetsRetentionCheckIntervalMs = new("offsets.retention.check.interval.ms", Long, "600000", V.AtLeast(1), High, ReadOnly,
        "How often expired offsets are removed.");
    public static readonly ConfigKey OffsetsCommitTimeoutMs = new("offsets.commit.timeout.ms", Int, "5000", V.AtLeast(1), High, ReadOnly,
        "How long an offset commit waits for its append.");
    public static readonly ConfigKey OffsetMetadataMaxBytes = new("offset.metadata.max.bytes", Int, "4096", V.AtLeast(0), High, ReadOnly,
        "The largest metadata string of a committed offset.");
    public static readonly ConfigKey GroupInitialRebalanceDelayMs = new("group.initial.rebalance.delay.ms", Int, "3000", V.AtLeast(0), Medium, ReadOnly,
        "How long a new group waits for more members before its first rebalance.");
    public static readonly ConfigKey GroupMinSessionTimeoutMs = new("group.min.session.timeout.ms", Int, "6000", V.AtLeast(0), Medium, ReadOnly,
        "The smallest session timeout a member may ask for.");
    public static readonly ConfigKey GroupMaxSessionTimeoutMs = new("group.max.session.timeout.ms", Int, "1800000", V.AtLeast(0), Medium, ReadOnly,
        "The largest session timeout a member may ask for.");
    public static readonly ConfigKey GroupMaxSize = new("group.max.size", Int, MaxInt, V.AtLeast(1), Medium, ReadOnly,
        "The most members one classic group may have.");

    // Share groups (KIP-932), Kafka 4.2's names and defaults.
    public static readonly ConfigKey GroupShareSessionTimeoutMs = new("group.share.session.timeout.ms", Int, "45000", V.AtLeast(1), Medium, ReadOnly,
        "How long a share group member may go without a heartbeat before it is removed and its records are released.");
    public static readonly ConfigKey GroupShareHeartbeatIntervalMs = new("group.share.heartbeat.interval.ms", Int, "5000", V.AtLeast(1), Medium, ReadOnly,
        "The heartbeat interval share group members are told to use.");
    public static readonly ConfigKey GroupShareMaxSize = new("group.share.max.size", Int, "200", V.AtLeast(1), Medium, ReadOnly,
        "The most members one share group may have.");
    public static readonly ConfigKey GroupShareRecordLockDurationMs = new("group.share.record.lock.duration.ms", Int, "30000", V.AtLeast(1000), Medium, ReadOnly,
        "How long a record acquired by a share consumer stays locked to it before it is released.");
    public static readonly ConfigKey GroupShareDeliveryCountLimit = new("group.share.delivery.count.limit", Int, "5", V.AtLeast(2), Medium, ReadOnly,
        "Deliveries after which a released or expired record is archived instead of delivered again.");
    public static readonly ConfigKey GroupSharePartitionMaxRecordLocks = new("group.share.partition.max.record.locks", Int, "2000", V.AtLeast(100), Medium, ReadOnly,
        "The most in-flight records of one share partition (its window from the start offset); bounds memory and locks.");
    public static readonly ConfigKey GroupShareMaxShareSessions = new("group.share.max.share.sessions", Int, "2000", V.AtLeast(1), Medium, ReadOnly,
        "The most share sessions this broker keeps; one more is refused with SHARE_SESSION_LIMIT_REACHED.");

    // Producers and transactions.
    public static readonly ConfigKey ProducerIdExpirationMs = new("producer.id.expiration.ms", Int, "86400000", V.AtLeast(1), Low, ReadOnly,
        "How long an idle producer's state is kept.");
    public static readonly ConfigKey TransactionalIdExpirationMs = new("transactional.id.expiration.ms", Int, "604800000", V.AtLeast(1), High, ReadOnly,
        "How long an idle transactional id is kept.");
    public static readonly ConfigKey TransactionMaxTimeoutMs = new("transaction.max.timeout.ms", Int, "900000", V.AtLeast(1), High, ReadOnly,
        "The largest transaction timeout a producer may ask for.");
    public static readonly ConfigKey TransactionStateLogNumPartitions = new("transaction.state.log.num.partitions", Int, "50", V.AtLeast(1), High, ReadOnly,
        "Partitions of __transaction_state.");

    // Host.
    public static readonly ConfigKey LogLevel = new("gregor.log.level", ConfigType.String, "info", V.OneOf("trace", "debug", "info", "warn", "error"), Low, ReadOnly,
        "The console log level.");
    public static readonly ConfigKey LogFormat = new("gregor.log.format", ConfigType.String, "text", V.OneOf("text", "json"), Low, ReadOnly,
        "The console log format: text (one line per event) or json (one JSON object per line, for log shippers).");
    public static readonly ConfigKey HttpListen = new("gregor.http.listen", ConfigType.String, "127.0.0.1:9644", V.Any, Medium, ReadOnly,
        "HOST:PORT of the host's HTTP listener (/metrics, the admin API /v1, health); empty turns it off, port 0 picks a free one.");
    public static readonly ConfigKey OtlpEndpoint = new("gregor.otlp.endpoint", ConfigType.String, "", V.Any, Low, ReadOnly,
        "OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318) traces are exported to; empty exports none.");

    /// <summary>Every broker key, in definition order.</summary>
    public static readonly IReadOnlyList<ConfigKey> All =
    [
        NodeId, BrokerId, Listeners, AdvertisedListeners, LogDirs, LogDir, ClusterId,
        ProcessRoles, ControllerListenerNames, ListenerSecurityProtocolMap, BrokerRack, MetadataLogDir,
        ControllerQuorumVoters, ControllerQuorumBootstrapServers, ControllerQuorumElectionTimeoutMs, ControllerQuorumFetchTimeoutMs,
        ControllerQuorumElectionBackoffMaxMs, ControllerQuorumRequestTimeoutMs, BrokerHeartbeatIntervalMs, BrokerSessionTimeoutMs,
        MetadataLogMaxRecordBytesBetweenSnapshots, MetadataLogMaxSnapshotIntervalMs,
        NumPartitions, DefaultReplicationFactor, AutoCreateTopicsEnable, DeleteTopicEnable, MessageMaxBytes, MinInsyncReplicas,
        CompressionType, CompressionGzipLevel, CompressionLz4Level, CompressionZstdLevel, UncleanLeaderElectionEnable,
        ReplicaLagTimeMaxMs, ReplicaFetchMaxBytes, ReplicaFetchResponseMaxBytes, ReplicaFetchWaitMaxMs, ReplicaFetchMinBytes,
        ReplicaFetchBackoffMs, ReplicaHighWatermarkCheckpointIntervalMs,
        LogRetentionMs, LogRetentionMinutes, LogRetentionHours, LogRetentionBytes, LogSegmentBytes, LogRollMs, LogRollHours,
        LogRollJitterMs, LogRollJitterHours, LogSegmentDeleteDelayMs, LogIndexIntervalBytes, LogIndexSizeMaxBytes, LogCleanupPolicy,
        LogFlushIntervalMessages, LogFlushIntervalMs, LogFlushSchedulerIntervalMs, LogMessageTimestampType,
        LogMessageTimestampBeforeMaxMs, LogMessageTimestampAfterMaxMs, LogPreallocate, LogRetentionCheckIntervalMs, LogCleanerEnable,
        LogCleanerMinCleanableRatio, LogCleanerDeleteRetentionMs, LogCleanerMinCompactionLagMs, LogCleanerMaxCompactionLagMs,
        LogLocalRetentionMs, LogLocalRetentionBytes, FlushMode, MaxOpenSegmentFiles,
        SocketRequestMaxBytes, ConnectionsMaxIdleMs, ConnectionMaxInFlightRequests, ConnectionMaxQueuedBytes, FetchMaxBytes,
        OffsetsTopicNumPartitions, OffsetsTopicReplicationFactor, OffsetsTopicSegmentBytes, OffsetsRetentionMinutes,
        OffsetsRetentionCheckIntervalMs, OffsetsCommitTimeoutMs, OffsetMetadataMaxBytes, GroupInitialRebalanceDelayMs,
        GroupMinSessionTimeoutMs, GroupMaxSessionTimeoutMs, GroupMaxSize,
        GroupShareSessionTimeoutMs, GroupShareHeartbeatIntervalMs, GroupShareMaxSize, GroupShareRecordLockDurationMs,
        GroupShareDeliveryCountLimit, GroupSharePartitionMaxRecordLocks, GroupShareMaxShareSessions,
        ProducerIdExpirationMs, TransactionalIdExpirationMs, TransactionMaxTimeoutMs, TransactionStateLogNumPartitions,
        LogLevel, LogFormat, HttpListen, OtlpEndpoint,
        AutoLeaderRebalanceEnable, LeaderImbalanceCheckIntervalSeconds, LeaderImbalancePerBrokerPercentage,
    ];

    private static string? ValidRoles(string value)
    {
        var roles = ConfigCatalogue.SplitList(value);
        if (roles.Count == 0)
        {
            return "process.roles must name broker, controller or both";
        }
        foreach (var role in roles)
        {
            if (role is not ("broker" or "controller"))
            {
                return $"Unknown process role '{role}' (must be broker or controller)";
            }
        }
        return roles.Distinct(StringComparer.Ordinal).Count() == roles.Count ? null : "Duplicate role names found in process.roles";
    }

    private static string? ValidProtocolMap(string value)
    {
        foreach (var entry in ConfigCatalogue.SplitList(value))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == entry.Length - 1)
            {
                return $"Map entry '{entry}' is not of the form NAME:PROTOCOL";
            }
            if (entry[(colon + 1)..] is not ("PLAINTEXT" or "SSL" or "SASL_PLAINTEXT" or "SASL_SSL"))
            {
                return $"Unknown security protocol {entry[(colon + 1)..]}";
            }
        }
        return null;
    }

    private static string? ValidVoters(string value)
    {
        foreach (var voter in ConfigCatalogue.SplitList(value))
        {
            var at = voter.IndexOf('@', StringComparison.Ordinal);
            var colon = voter.LastIndexOf(':');
            if (at <= 0 || colon <= at + 1
                || !int.TryParse(voter.AsSpan(0, at), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
                || !int.TryParse(voter.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                || port is < 1 or > 65535)
            {
                return $"Unable to parse '{voter}' as {{id}}@{{host}}:{{port}}";
            }
        }
        return null;
    }
}
