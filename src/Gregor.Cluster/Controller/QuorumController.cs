using System.Globalization;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller.Core;
using Gregor.Cluster.Log;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The production shell around the sans-I/O <see cref="ControllerCore"/>, behind
/// <see cref="IController"/>: every request is posted onto the thread that drives the Raft client
/// (<see cref="IControllerDriver"/>) and answered once its records commit; the image comes from
/// a <see cref="MetadataLoader"/> replaying the same committed batches.
/// <para>Two ways to build it. A cluster of one (<c>gregor serve</c> without a quorum): the
/// constructor taking a store; <see cref="Open"/> reads meta.properties, opens the metadata log,
/// replays it through a <see cref="LocalRaftClient"/> (the node is the only voter, a durable
/// append is a commit, the epoch is one past the log's last) and claims leadership. In a quorum:
/// the constructor taking the node's Raft client, driver and loader; <see cref="Open"/> registers
/// the core as a Raft listener, and the Raft leader election decides when it is active.</para>
/// <para>Thread-safety: requests from any thread; <see cref="Current"/> is a lock-free read of
/// an immutable image; subscribers run on the driving thread, in log order, and an image is
/// published before the replies its batch completes.</para>
/// </summary>
public sealed partial class QuorumController : IController, IDisposable
{
    public const string MetadataVersionFeature = ControllerCore.MetadataVersionFeature;

    /// <summary>Kafka 3.9's metadata.version (3.9-IV0); Gregor reads records at these versions.</summary>
    public const short MetadataVersionLevel = ControllerCore.MetadataVersionLevel;

    private readonly QuorumControllerOptions _options;
    private readonly ILogger _logger;
    private readonly bool _local;
    private IMetadataLogStore? _store;
    private IRaftClient? _raft;
    private IControllerDriver? _driver;
    private MetadataLoader? _loader;
    private ControllerCore? _core;
    private IDisposable? _loaderSubscription;
    private readonly MetadataSubscribers _subscribers = new();
    private MetadataImage _current;
    private bool _disposed;

    /// <summary>A cluster of one. Does no I/O: the store is opened (or <paramref name="store"/> adopted) by <see cref="Open"/>.</summary>
    public QuorumController(QuorumControllerOptions options, IMetadataLogStore? store = null, ILogger<QuorumController>? logger = null)
    {
        _options = options;
        Configs = new EffectiveConfigs(options.NodeId, options.StaticBrokerConfigs);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _store = store;
        _local = true;
        _current = MetadataImage.Empty(options.ClusterId ?? "", options.NodeId);
    }

    /// <summary>
    /// A controller of a quorum: <paramref name="raft"/> and <paramref name="driver"/> are the
    /// node's Raft client and its event loop, <paramref name="loader"/> the node's metadata loader
    /// (already registered with <paramref name="raft"/>). <see cref="QuorumControllerOptions.ClusterId"/>
    /// must be set (from meta.properties).
    /// </summary>
    public QuorumController(QuorumControllerOptions options, IRaftClient raft, IControllerDriver driver, MetadataLoader loader,
        ILogger<QuorumController>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options.ClusterId);
        _options = options;
        Configs = new EffectiveConfigs(options.NodeId, options.StaticBrokerConfigs);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _raft = raft;
        _driver = driver;
        _loader = loader;
        _current = loader.Current;
    }

    /// <summary>True once <see cref="Open"/> ran.</summary>
    public bool IsOpen => _core is not null;

    /// <summary>The core, for the node's handlers of BrokerRegistration / BrokerHeartbeat (call it only through <see cref="Driver"/>).</summary>
    public ControllerCore Core => _core ?? throw new InvalidOperationException("the controller is not open");

    /// <summary>The driver that runs work on the core's thread.</summary>
    public IControllerDriver Driver => _driver ?? throw new InvalidOperationException("the controller is not open");

    /// <summary>
    /// Cluster of one: reads (or creates) <c>meta.properties</c>, opens the metadata log, replays
    /// it into the image and claims leadership one epoch past the log's last. Throws
    /// <see cref="InvalidDataException"/> when the data dir belongs to another node, I/O
    /// exceptions when the log cannot be read. In a quorum: creates the core and registers it
    /// with the Raft client (call before the Raft driver starts). Call once, before any request.
    /// </summary>
    public void Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsOpen)
        {
            throw new InvalidOperationException("the controller is already open");
        }
        if (!_local)
        {
            _core = NewCore(_options.ClusterId!, _raft!);
            _loaderSubscription = _loader!.Subscribe(Publish);
            _raft!.Register(_core);
            return;
        }
        var clusterId = _options.DataDirectory is null
            ? _options.ClusterId ?? MetaProperties.NewClusterId()
            : MetaProperties.LoadOrCreate(_options.DataDirectory, _options.NodeId, _options.ClusterId).ClusterId;
        var store = _store ?? (_options.DataDirectory is null
            ? new InMemoryMetadataLogStore()
            : FileMetadataLogStore.Open(_options.DataDirectory));
        try
        {
            if (store is FileMetadataLogStore { TruncatedBytes: > 0 } file)
            {
                LogTruncated(file.TruncatedBytes, file.Directory);
            }
            var raft = new LocalRaftClient(_options.NodeId, store, _options.TimeProvider);
            var loader = new MetadataLoader(new MetadataLoaderOptions { ClusterId = clusterId, NodeId = _options.NodeId, GenerateSnapshots = false }, raft);
            var core = NewCore(clusterId, raft);
            _loaderSubscription = loader.Subscribe(Publish);
            // The loader first: an image is published before the replies its batch completes.
            raft.Register(loader);
            raft.Register(core);
            var driver = new LocalControllerDriver(raft);
            driver.Invoke(raft.Open);
            LogReplayed(raft.ReplayedRecords, loader.Current.Offset, loader.Current.TopicsByName.Count);
            _raft = raft;
            _loader = loader;
            _driver = driver;
            _store = store;
            _core = core;
        }
        catch
        {
            _loaderSubscription?.Dispose();
            store.Dispose();
            throw;
        }
    }

    private ControllerCore NewCore(string clusterId, IRaftClient raft) => new(
        new ControllerCoreOptions
        {
            NodeId = _options.NodeId,
            ClusterId = clusterId,
            DefaultNumPartitions = _options.DefaultNumPartitions,
            DefaultReplicationFactor = _options.DefaultReplicationFactor,
            DeleteTopicEnable = _options.DeleteTopicEnable,
            MaxPartitionsPerTopic = _options.MaxPartitionsPerTopic,
            BrokerSessionTimeoutMs = _options.BrokerSessionTimeoutMs,
            AutoLeaderRebalanceEnable = _options.AutoLeaderRebalanceEnable,
            LeaderImbalanceCheckIntervalMs = _options.LeaderImbalanceCheckIntervalMs,
            LeaderImbalancePerBrokerPercentage = _options.LeaderImbalancePerBrokerPercentage,
            StaticBrokerConfigs = _options.StaticBrokerConfigs,
            TopicConfigValidator = _options.TopicConfigValidator,
            // A cluster of one writes a batch of any size, as before; Raft bounds its batches.
            MaxRecordsPerBatch = _local ? int.MaxValue : new ControllerCoreOptions { NodeId = 0, ClusterId = "" }.MaxRecordsPerBatch,
        },
        raft,
        _options.TimeProvider,
        new Random(),
        _logger);

    public MetadataImage Current => Volatile.Read(ref _current);

    /// <summary>The Raft epoch this node leads (a cluster of one: one more than the last epoch in the log); -1 when not the leader.</summary>
    public int Epoch => _raft is { LeaderAndEpoch: { } leader } && leader.LeaderId == _options.NodeId ? leader.Epoch : -1;

    /// <summary>The finalized feature levels recorded in the log (metadata.version, …).</summary>
    public IReadOnlyDictionary<string, short> FeatureLevels => new Dictionary<string, short>(Current.FeatureLevels, StringComparer.Ordinal);

    public IDisposable Subscribe(Action<MetadataImage, MetadataImage> onPublished) => _subscribers.Add(onPublished);

    private void Publish(MetadataImage previous, MetadataImage next)
    {
        Volatile.Write(ref _current, next);
        _subscribers.Publish(previous, next, (ex, image) => LogSubscriberFailed(ex, image.Offset));
    }

    /// <summary>The configs this node runs with: static settings under the image's dynamic broker configs.</summary>
    public EffectiveConfigs Configs { get; }

    /// <summary>Every known topic config with its effective value: the topic's override, else the default.</summary>
    public IReadOnlyDictionary<string, string> EffectiveTopicConfigs(IReadOnlyDictionary<string, string> dynamicConfigs) =>
        Configs.TopicConfigs(Current, dynamicConfigs);

    /// <summary>Posts one request onto the core's thread and waits for its reply (sent once its records commit).</summary>
    private async Task<T> InvokeAsync<T>(Action<ControllerCore, Action<T>> request, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var core = _core ?? throw new InvalidOperationException("the controller is not open");
        var reply = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _driver!.InvokeAsync(() => request(core, result => reply.TrySetResult(result)), cancellationToken).ConfigureAwait(false);
        return await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<CreateTopicOutcome> CreateTopicAsync(CreateTopicSpec spec, bool validateOnly, CancellationToken cancellationToken) =>
        InvokeAsync<CreateTopicOutcome>((core, reply) => core.CreateTopic(spec, validateOnly, reply), cancellationToken);

    public Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(string name, CancellationToken cancellationToken) =>
        InvokeAsync<(ErrorCode, string?)>((core, reply) => core.DeleteTopic(name, reply), cancellationToken);

    public Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(Guid topicId, CancellationToken cancellationToken) =>
        InvokeAsync<(ErrorCode, string?)>((core, reply) => core.DeleteTopic(topicId, reply), cancellationToken);

    public Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(string topic, int newTotal, bool validateOnly, CancellationToken cancellationToken) =>
        CreatePartitionsAsync(topic, newTotal, null, validateOnly, cancellationToken);

    public Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(
        string topic, int newTotal, IReadOnlyList<int[]>? assignments, bool validateOnly, CancellationToken cancellationToken) =>
        InvokeAsync<(ErrorCode, string?)>((core, reply) => core.CreatePartitions(topic, newTotal, assignments, validateOnly, reply), cancellationToken);

    public Task<(ErrorCode Error, string? Message)> AlterTopicConfigsAsync(
        string topic, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken) =>
        InvokeAsync<(ErrorCode, string?)>((core, reply) => core.AlterTopicConfigs(topic, changes, incremental, validateOnly, reply), cancellationToken);

    /// <summary>
    /// Changes the dynamic configs of a BROKER resource: "" (every broker's default) or this
    /// node's id — a broker only alters its own resource, as Kafka's ConfigAdminManager checks
    /// before forwarding; the controller validates the set (see <see cref="ControllerCore.AlterBrokerConfigs"/>).
    /// </summary>
    public Task<(ErrorCode Error, string? Message)> AlterBrokerConfigsAsync(
        string resourceName, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken)
    {
        if (resourceName.Length > 0)
        {
            if (!int.TryParse(resourceName, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            {
                return Task.FromResult<(ErrorCode, string?)>((ErrorCode.InvalidRequest, $"Node id must be an integer, but it is: {resourceName}"));
            }
            if (id != _options.NodeId)
            {
                return Task.FromResult<(ErrorCode, string?)>((ErrorCode.InvalidRequest, $"Unexpected broker id, expected {_options.NodeId}, but received {resourceName}"));
            }
        }
        return InvokeAsync<(ErrorCode, string?)>((core, reply) => core.AlterBrokerConfigs(resourceName, changes, incremental, validateOnly, reply), cancellationToken);
    }

    /// <summary>
    /// <see cref="AlterBrokerConfigsAsync"/> for any broker's resource: a change another broker
    /// forwarded to this (active) controller, which that broker checked names itself.
    /// </summary>
    public Task<(ErrorCode Error, string? Message)> AlterAnyBrokerConfigsAsync(
        string resourceName, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken) =>
        InvokeAsync<(ErrorCode, string?)>((core, reply) => core.AlterBrokerConfigs(resourceName, changes, incremental, validateOnly, reply), cancellationToken);

    /// <summary>Hands out <paramref name="size"/> producer ids; the block is committed before it is returned, so ids never repeat across restarts.</summary>
    public async Task<long> AllocateProducerIdBlockAsync(int size, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var reply = await InvokeAsync<ProducerIdsReplyData>(
            (core, done) => core.AllocateProducerIds(_options.NodeId, brokerEpoch: -1, size, done), cancellationToken).ConfigureAwait(false);
        return reply.Error == ErrorCode.None ? reply.FirstProducerId : throw new KafkaException(reply.Error, reply.Message ?? reply.Error.ToString());
    }

    /// <summary>
    /// Cluster of one: registers this node as a broker reachable at <paramref name="host"/>:<paramref name="port"/>
    /// (the advertised listener, with the port actually bound), as a new incarnation whose broker
    /// epoch is its offset, unfenced at once (it writes the log, so it is caught up). In a quorum
    /// the broker lifecycle manager registers through BrokerRegistration instead, and this throws.
    /// </summary>
    public async Task RegisterBrokerAsync(string host, int port, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        if (!_local)
        {
            throw new InvalidOperationException("in a quorum the broker lifecycle manager registers the broker (BrokerRegistration)");
        }
        var request = new BrokerRegistrationRequestData(
            _options.NodeId,
            ClusterId: null,
            Guid.NewGuid(),
            [new BrokerEndpoint(_options.ListenerName, host, checked((ushort)port))],
            _options.Rack);
        var reply = await InvokeAsync<BrokerRegistrationReplyData>((core, done) => core.RegisterBroker(request, done, soleVoterSelf: true), cancellationToken)
            .ConfigureAwait(false);
        if (reply.Error != ErrorCode.None)
        {
            throw new KafkaException(reply.Error, reply.Message ?? reply.Error.ToString());
        }
        LogCommitted("broker registration", $"{host}:{port}", reply.BrokerEpoch);
    }

    public Task<AlterPartitionOutcome> AlterPartitionAsync(int brokerId, long brokerEpoch, IReadOnlyList<AlterPartitionItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        return InvokeAsync<AlterPartitionOutcome>((core, reply) => core.AlterPartition(brokerId, brokerEpoch, items, reply), cancellationToken);
    }

    public Task<ElectLeadersOutcome> ElectLeadersAsync(ElectionType electionType, IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken) =>
        InvokeAsync<ElectLeadersOutcome>((core, reply) => core.ElectLeaders(electionType, partitions, reply), cancellationToken);

    public Task<AlterPartitionReassignmentsOutcome> AlterPartitionReassignmentsAsync(
        IReadOnlyList<PartitionReassignment> reassignments, bool allowReplicationFactorChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reassignments);
        return InvokeAsync<AlterPartitionReassignmentsOutcome>(
            (core, reply) => core.AlterPartitionReassignments(reassignments, allowReplicationFactorChange, reply), cancellationToken);
    }

    public Task<ListPartitionReassignmentsOutcome> ListPartitionReassignmentsAsync(IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken) =>
        InvokeAsync<ListPartitionReassignmentsOutcome>((core, reply) => core.ListPartitionReassignments(partitions, reply), cancellationToken);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _loaderSubscription?.Dispose();
        if (_local && _driver is LocalControllerDriver driver)
        {
            // Waits for a request in flight, so the store is not closed under an append.
            driver.Invoke(() => _store?.Dispose());
            driver.Dispose();
        }
        else if (_local)
        {
            _store?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} metadata records up to offset {Offset}: {Topics} topics")]
    private partial void LogReplayed(int count, long offset, int topics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Bytes} bytes of an incomplete or corrupt tail of the metadata log {Path}")]
    private partial void LogTruncated(long bytes, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "A metadata subscriber failed on the image at offset {Offset}")]
    private partial void LogSubscriberFailed(Exception exception, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed {Operation} for {Resource} at metadata offset {Offset}")]
    private partial void LogCommitted(string operation, string resource, long offset);
}
