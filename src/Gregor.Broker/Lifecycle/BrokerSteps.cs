using System.Net.Sockets;
using Gregor.Broker.Config;
using Gregor.Broker.Groups;
using Gregor.Broker.Network;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Lifecycle;

/// <summary>
/// The steps of one broker node, in start order; <see cref="NodeLifecycle"/> runs them and
/// undoes them in reverse:
/// <list type="number">
/// <item><see cref="LockDataDir"/>: create and lock the data dir (<see cref="DataDirectoryLock"/>) / release it.</item>
/// <item><see cref="ReplayMetadata"/>: meta.properties and the metadata log replayed into the image / close the log.</item>
/// <item><see cref="OpenLogs"/>: the LogManager recovers the partition logs and starts its background work; the ReplicaManager opens the partitions this node leads / close them (flush, checkpoints).</item>
/// <item><see cref="BindListeners"/>: the host's server starts: sockets bound, connections held at the <see cref="AcceptGate"/> / server stopped if still running.</item>
/// <item><see cref="RegisterBroker"/>: this node registered in the metadata with its bound ports (nothing to undo: the next start registers a new incarnation).</item>
/// <item><see cref="LoadCoordinators"/>: the group coordinator loads every <c>__consumer_offsets</c> partition / unloads them.</item>
/// <item><see cref="StartAccepting"/>: the gate opens / the server stops accepting and closes its connections (first thing on shutdown).</item>
/// </list>
/// The components come from the broker's container, whose constructors do no I/O (except
/// <see cref="LogManager"/>'s, which is why it is first resolved in <see cref="OpenLogs"/>), so
/// the order is this list, not the order of registration. A step that fails cleans up what it
/// did itself. Not thread-safe: the lifecycle runs one step at a time.
/// </summary>
internal sealed class BrokerSteps(IHost host, BrokerConfig config, ILogger logger)
{
    public const string LockDataDir = "lock data dir";
    public const string ReplayMetadata = "replay metadata";
    public const string OpenLogs = "open logs";
    public const string BindListeners = "bind listeners";
    public const string RegisterBroker = "register broker";
    public const string LoadCoordinators = "load coordinators";
    public const string StartAccepting = "start accepting";

    private DataDirectoryLock? _dataDirLock;
    private bool _serverRunning;

    private IServiceProvider Services => host.Services;

    public IReadOnlyList<LifecycleStep> All =>
    [
        new(LockDataDir, LockDataDirAsync, UnlockDataDirAsync),
        new(ReplayMetadata, ReplayMetadataAsync, CloseMetadataAsync),
        new(OpenLogs, OpenLogsAsync, CloseLogsAsync),
        new(BindListeners, BindListenersAsync, StopServerAsync),
        // A sole voter has nobody to hand over to; in a quorum, undoing registration is a controlled shutdown.
        config.IsSoleVoter ? new(RegisterBroker, RegisterBrokerAsync) : new(RegisterBroker, RegisterBrokerAsync, ControlledShutdownAsync),
        new(LoadCoordinators, LoadCoordinatorsAsync, UnloadCoordinatorsAsync),
        new(StartAccepting, StartAcceptingAsync, StopAcceptingAsync),
    ];

    private Task LockDataDirAsync(CancellationToken cancellationToken)
    {
        _dataDirLock = DataDirectoryLock.Acquire(config.DataDir);
        return Task.CompletedTask;
    }

    private Task UnlockDataDirAsync(CancellationToken cancellationToken)
    {
        _dataDirLock?.Dispose();
        _dataDirLock = null;
        return Task.CompletedTask;
    }

    private Task ReplayMetadataAsync(CancellationToken cancellationToken)
    {
        try
        {
            StorageFormatter.EnsureFormatted(config, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
            var nodeController = Services.GetRequiredService<NodeController>();
            if (!IsQuorumOfOne())
            {
                // Several voters (or a broker-only node): the Raft driver runs the metadata log; the
                // controller listener binds in a later step, so elections start once the peers are up.
                var quorum = Services.GetRequiredService<QuorumNode>();
                quorum.Open(config.QuorumVoters.Count == 0 ? BootstrapCheckpoint.TryReadVoters(StorageFormatter.MetadataPartitionDirectory(config)) : null);
                nodeController.Attach(quorum.Loader!, quorum.Controller);
                return Task.CompletedTask;
            }
            var local = Services.GetRequiredService<QuorumController>();
            nodeController.Attach(local, local);
            local.Open();
        }
        catch (StorageFormatException e)
        {
            throw new BrokerStartException(e.Message, BrokerStartFailure.DataDirUnusable, e);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ProtocolException)
        {
            throw new BrokerStartException($"the cluster metadata in {config.DataDir} cannot be used: {e.Message}", BrokerStartFailure.DataDirUnusable, e);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Whether this node is the only voter and the only node (by configuration, or by the bootstrap
    /// voter set written by --standalone): then the metadata log runs in process. A controller-only
    /// sole voter serves brokers in other processes, which fetch the log over Raft, so it runs the quorum.
    /// </summary>
    private bool IsQuorumOfOne()
    {
        if (!config.IsBroker)
        {
            return false;
        }
        if (config.IsSoleVoter)
        {
            return true;
        }
        if (!config.IsController || config.QuorumVoters.Count > 0)
        {
            return false;
        }
        var voters = BootstrapCheckpoint.TryReadVoters(StorageFormatter.MetadataPartitionDirectory(config));
        return voters is [{ } only] && only.Id == config.NodeId;
    }

    private Task CloseMetadataAsync(CancellationToken cancellationToken)
    {
        var quorum = Services.GetRequiredService<QuorumNode>();
        if (quorum.IsQuorum)
        {
            quorum.Dispose();
        }
        else
        {
            Services.GetRequiredService<QuorumController>().Dispose();
        }
        return Task.CompletedTask;
    }

    private Task OpenLogsAsync(CancellationToken cancellationToken)
    {
        var logs = Services.GetRequiredService<LogManager>();
        try
        {
            logs.Start();
            Services.GetRequiredService<Replication.ReplicationRuntime>().Open();
        }
        catch
        {
            CloseLogs();
            throw;
        }
        return Task.CompletedTask;
    }

    private Task CloseLogsAsync(CancellationToken cancellationToken)
    {
        CloseLogs();
        return Task.CompletedTask;
    }

    private void CloseLogs()
    {
        // Fetchers first (no follower append races the close), then partitions, then the manager,
        // which flushes, closes every log and writes checkpoints.
        Services.GetRequiredService<Replication.ReplicationRuntime>().DisposeAsync().AsTask().GetAwaiter().GetResult();
        Services.GetRequiredService<ReplicaManager>().Dispose();
        Services.GetRequiredService<LogManager>().Dispose();
    }

    private async Task BindListenersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            _serverRunning = true;
        }
        catch (Exception e)
        {
            // Hosted services that started before the bind failed are stopped again.
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            if (FindBindFailure(e) is { } failure)
            {
                // The server may hold the host's endpoints too: blame the Kafka port only when Kestrel names it.
                var kafkaPort = config.BrokerListeners.Count == 1 ? config.BrokerListeners[0].Port : 0;
                var message = failure is SocketError.AddressAlreadyInUse && kafkaPort > 0 && Mentions(e, $":{kafkaPort}")
                    ? $"port {kafkaPort} is already in use; choose another with --listen"
                    : $"cannot listen: {e.Message}";
                throw new BrokerStartException(message, BrokerStartFailure.ListenFailed, e);
            }
            throw;
        }
    }

    private async Task StopServerAsync(CancellationToken cancellationToken)
    {
        if (_serverRunning)
        {
            _serverRunning = false;
            await host.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RegisterBrokerAsync(CancellationToken cancellationToken)
    {
        var bound = Services.GetRequiredService<KafkaListenerBindings>().Bound();
        var endpoints = Services.GetRequiredService<ListenerEndpoints>();
        endpoints.SetBound(bound);
        BrokerLog.Listening(logger, string.Join(", ", bound.Select(b => b.ToString())));
        var quorum = Services.GetRequiredService<QuorumNode>();
        if (quorum.IsQuorum)
        {
            // Registration and heartbeats go to the active controller from the Raft loop; the broker
            // stays fenced until it has caught up with the metadata log (KIP-631).
            if (config.IsBroker)
            {
                quorum.StartBroker([.. endpoints.Advertised.Select(a => a with
                {
                    Host = a.Host is "" or "0.0.0.0" or "::" ? "127.0.0.1" : a.Host,
                    Port = a.Port > 0 ? a.Port : (endpoints.BoundListener(a.Name) ?? bound[0]).Port,
                })]);
            }
            return; // a controller-only node has no broker to register
        }
        var advertised = endpoints.Advertised.Count > 0 ? endpoints.Advertised[0] : config.BrokerListeners[0];
        var host = advertised.Host is "" or "0.0.0.0" or "::" ? "127.0.0.1" : advertised.Host;
        var port = advertised.Port > 0 ? advertised.Port : (endpoints.BoundListener(advertised.Name) ?? bound[0]).Port;
        await Services.GetRequiredService<QuorumController>().RegisterBrokerAsync(host, port, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Controlled shutdown (WantShutDown) in a quorum, bounded so a lost quorum cannot hold the exit.</summary>
    private Task ControlledShutdownAsync(CancellationToken cancellationToken) =>
        Services.GetRequiredService<QuorumNode>().BeginControlledShutdownAsync(TimeSpan.FromSeconds(5));

    private Task LoadCoordinatorsAsync(CancellationToken cancellationToken) =>
        Services.GetRequiredService<GroupCoordinator>().StartAsync(cancellationToken);

    private Task UnloadCoordinatorsAsync(CancellationToken cancellationToken) =>
        Services.GetRequiredService<GroupCoordinator>().StopAsync().AsTask();

    private Task StartAcceptingAsync(CancellationToken cancellationToken)
    {
        // Builds the dispatcher and every handler (validating their version ranges) before the first client.
        Services.GetRequiredService<IRequestProcessor>();
        Services.GetRequiredService<AcceptGate>().Open();
        return Task.CompletedTask;
    }

    /// <summary>Stops the server here, first, so no request is in flight while the coordinators and logs close.</summary>
    private Task StopAcceptingAsync(CancellationToken cancellationToken)
    {
        Services.GetRequiredService<AcceptGate>().Close();
        return StopServerAsync(cancellationToken);
    }

    private static bool Mentions(Exception? e, string text)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e.Message.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static SocketError? FindBindFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AddressInUseException:
                    return SocketError.AddressAlreadyInUse;
                case SocketException socket:
                    return socket.SocketErrorCode;
            }
        }
        return null;
    }
}
