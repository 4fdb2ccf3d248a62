using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Controller.Core;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Quorum;

/// <summary>
/// This node's part in a metadata quorum of several nodes (KRaft): the Raft driver over the
/// on-disk log, the metadata loader every node replays into, the quorum controller when
/// process.roles has <c>controller</c>, and the broker lifecycle manager (registration,
/// heartbeats to the active controller) when it has <c>broker</c>. A cluster of one does not use
/// it (<see cref="IsQuorum"/> is false): its <see cref="QuorumController"/> runs the log in process.
/// <para>Lifecycle: the constructor does no I/O; <see cref="Open"/> (the "replay metadata" step)
/// opens the log and starts the loop; <see cref="BeginControlledShutdownAsync"/> on stop; Dispose stops
/// the loop and closes the log. Thread-safe: the cores run on the driver's loop only.</para>
/// </summary>
public sealed partial class QuorumNode(BrokerConfig config, ILoggerFactory loggers) : IDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<QuorumNode>();
    private BrokerLifecycleManager? _lifecycle;
    private readonly TaskCompletionSource _unfenced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _shutDown = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether this node runs a Raft quorum (several voters, or a broker-only node).</summary>
    public bool IsQuorum { get; private set; }

    public RaftDriver? Driver { get; private set; }

    public MetadataLoader? Loader { get; private set; }

    /// <summary>The controller, on nodes with the controller role.</summary>
    public QuorumController? Controller { get; private set; }

    public string ClusterId { get; private set; } = "";

    /// <summary>The voter set: id → controller listener address.</summary>
    public IReadOnlyDictionary<int, (string Host, int Port)> Voters { get; private set; } = new Dictionary<int, (string, int)>();

    /// <summary>Completes once this broker's registration is unfenced.</summary>
    public Task Unfenced => _unfenced.Task;

    /// <summary>The active controller's id as this node knows it, or null.</summary>
    public int? ActiveControllerId => Driver?.Leader.LeaderId;

    /// <summary>Opens the Raft log, creates the loader/controller/lifecycle manager and starts the loop.</summary>
    public void Open(IReadOnlyList<BootstrapVoter>? bootstrapVoters)
    {
        IsQuorum = true;
        var meta = MetaProperties.TryRead(config.MetadataLogDir)
            ?? throw new InvalidDataException($"{config.MetadataLogDir} is not formatted");
        ClusterId = meta.ClusterId;
        KafkaUuid.TryParse(meta.DirectoryId, out var directoryId);
        Voters = bootstrapVoters is not null && config.QuorumVoters.Count == 0
            ? bootstrapVoters.ToDictionary(v => v.Id, v => (v.Host, v.Port))
            : config.QuorumVoters.ToDictionary(v => v.Id, v => (v.Host, v.Port));
        var partitionDir = StorageFormatter.MetadataPartitionDirectory(config);
        var log = FileRaftLog.Open(partitionDir, TimeProvider.System, loggers.CreateLogger<FileRaftLog>());
        var raftOptions = new RaftOptions
        {
            NodeId = config.NodeId,
            DirectoryId = Guid.Empty,
            ClusterId = ClusterId,
            Voters = [.. Voters.Keys.Order().Select(id => new RaftVoter(id, Guid.Empty))],
            ElectionTimeoutMs = config.ControllerQuorumElectionTimeoutMs,
            FetchTimeoutMs = config.ControllerQuorumFetchTimeoutMs,
            ElectionBackoffMaxMs = config.ControllerQuorumElectionBackoffMaxMs,
            RequestTimeoutMs = config.ControllerQuorumRequestTimeoutMs,
        };
        _ = directoryId;
        RaftDriver driver;
        try
        {
            driver = new RaftDriver(raftOptions, log, new FileQuorumStateStore(partitionDir), Voters, TimeProvider.System, loggers.CreateLogger<RaftDriver>());
        }
        catch
        {
            log.Dispose();
            throw;
        }
        Driver = driver;
        Loader = new MetadataLoader(new MetadataLoaderOptions
        {
            ClusterId = ClusterId,
            NodeId = config.NodeId,
            MaxBytesBetweenSnapshots = config.MetadataLogMaxRecordBytesBetweenSnapshots,
            MaxSnapshotIntervalMs = config.MetadataLogMaxSnapshotIntervalMs,
        }, driver.Raft, loggers.CreateLogger<MetadataLoader>());
        driver.Raft.Register(Loader);
        if (config.IsController)
        {
            var options = ControllerOptionsFactory.Create(config) with { ClusterId = ClusterId, DataDirectory = null, BrokerSessionTimeoutMs = config.BrokerSessionTimeoutMs };
            Controller = new QuorumController(options, driver.Raft, driver, Loader, loggers.CreateLogger<QuorumController>());
            Controller.Open();
            var core = Controller.Core;
            driver.AddTicker(_ => core.Tick(), () => core.NextDeadlineMs);
        }
        driver.Start();
    }

    /// <summary>Starts registering this broker (advertised listeners known once bound); the loop sends registration and heartbeats to the active controller.</summary>
    public void StartBroker(IReadOnlyList<ListenerAddress> advertised)
    {
        var driver = Driver ?? throw new InvalidOperationException("the quorum is not open");
        var lifecycle = new BrokerLifecycleManager(new BrokerLifecycleOptions
        {
            BrokerId = config.NodeId,
            ClusterId = ClusterId,
            Listeners = [.. advertised.Select(a => new BrokerEndpoint(a.Name, a.Host, checked((ushort)a.Port)))],
            Rack = config.BrokerRack,
            HeartbeatIntervalMs = config.BrokerHeartbeatIntervalMs,
            RequestTimeoutMs = config.ControllerQuorumRequestTimeoutMs,
        }, TimeProvider.System, new Random());
        driver.Post(_ =>
        {
            _lifecycle = lifecycle;
            lifecycle.Start();
            lifecycle.SetReadyToUnfence();
        });
        driver.AddTickerWhileRunning(now => TickBroker(driver, lifecycle), () => lifecycle.NextDeadlineMs);
    }

    /// <summary>Controlled shutdown (WantShutDown): waits until the controller lets this broker go, at most <paramref name="timeout"/>.</summary>
    public async Task BeginControlledShutdownAsync(TimeSpan timeout)
    {
        if (Driver is not { } driver || _lifecycle is null)
        {
            return;
        }
        driver.Post(_ => _lifecycle.BeginControlledShutdown());
        await Task.WhenAny(_shutDown.Task, Task.Delay(timeout)).ConfigureAwait(false);
    }

    private void TickBroker(RaftDriver driver, BrokerLifecycleManager lifecycle)
    {
        if (Loader is { } loader)
        {
            lifecycle.SetMetadataOffset(loader.LastAppliedOffset);
        }
        if (!lifecycle.IsFenced)
        {
            _unfenced.TrySetResult();
        }
        if (lifecycle.State == BrokerLifecycleState.ShuttingDown)
        {
            _shutDown.TrySetResult();
        }
        if (lifecycle.Poll() is not { } request)
        {
            return;
        }
        if (driver.Leader.LeaderId is not { } leader)
        {
            lifecycle.HandleFailure(request.Sequence);
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                if (request.Registration is { } registration)
                {
                    var response = (BrokerRegistrationResponse)await driver.Transport.SendAsync(leader, ToWire(registration), 4, CancellationToken.None).ConfigureAwait(false);
                    var reply = new BrokerRegistrationReplyData((ErrorCode)response.ErrorCode, null, response.BrokerEpoch);
                    driver.Post(_ => lifecycle.HandleRegistrationReply(request.Sequence, reply));
                }
                else if (request.Heartbeat is { } heartbeat)
                {
                    var response = (BrokerHeartbeatResponse)await driver.Transport.SendAsync(leader, new BrokerHeartbeatRequest
                    {
                        BrokerId = heartbeat.BrokerId,
                        BrokerEpoch = heartbeat.BrokerEpoch,
                        CurrentMetadataOffset = heartbeat.CurrentMetadataOffset,
                        WantFence = heartbeat.WantFence,
                        WantShutDown = heartbeat.WantShutDown,
                    }, 1, CancellationToken.None).ConfigureAwait(false);
                    var reply = new BrokerHeartbeatReplyData((ErrorCode)response.ErrorCode, null, response.IsCaughtUp, response.IsFenced, response.ShouldShutDown);
                    driver.Post(_ => lifecycle.HandleHeartbeatReply(request.Sequence, reply));
                }
            }
            catch (Exception e) when (e is IOException or InvalidCastException or Gregor.Protocol.ProtocolException)
            {
                LogBrokerRequestFailed(leader, e.Message);
                driver.Post(_ => lifecycle.HandleFailure(request.Sequence));
            }
        });
    }

    internal static BrokerRegistrationRequest ToWire(BrokerRegistrationRequestData registration) => new()
    {
        BrokerId = registration.BrokerId,
        ClusterId = registration.ClusterId ?? "",
        IncarnationId = registration.IncarnationId,
        Listeners = [.. registration.Listeners.Select(l => new BrokerRegistrationRequest.Listener { Name = l.Name, Host = l.Host, Port = l.Port, SecurityProtocol = l.SecurityProtocol })],
        Features = [new BrokerRegistrationRequest.Feature { Name = "metadata.version", MinSupportedVersion = 1, MaxSupportedVersion = QuorumController.MetadataVersionLevel }],
        Rack = registration.Rack,
        PreviousBrokerEpoch = registration.PreviousBrokerEpoch,
    };

    internal static BrokerRegistrationRequestData FromWire(BrokerRegistrationRequest request, short version) => new(
        request.BrokerId,
        request.ClusterId,
        request.IncarnationId,
        [.. request.Listeners.Select(l => new BrokerEndpoint(l.Name, l.Host, l.Port, l.SecurityProtocol))],
        request.Rack,
        version >= 3 ? request.PreviousBrokerEpoch : -1);

    public void Dispose()
    {
        Driver?.Dispose();
        Controller?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker request to controller {Controller} failed: {Reason}")]
    private partial void LogBrokerRequestFailed(int controller, string reason);
}
