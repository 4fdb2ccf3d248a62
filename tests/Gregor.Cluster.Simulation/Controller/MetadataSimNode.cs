using Gregor.Cluster.Controller.Core;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// What a node runs beside its Raft replica: the metadata loader, the controller core (voters:
/// process.roles=broker,controller; an observer is a broker-only node without one) and the
/// broker's lifecycle manager, composed as the production process composes them. BrokerRegistration and BrokerHeartbeat travel over the
/// simulated network (drops, delays, partitions, restarts) to whoever this node believes leads;
/// the answer comes back the same way once the controller's records commit. A timer ticks the
/// controller (session expiry) and polls the lifecycle manager.
/// <para>Snapshots: the loader snapshots the image through <c>IRaftClient.CreateSnapshot</c> on
/// the production trigger (record bytes or log time since the last snapshot, both set low here so
/// a 20 s run takes several), the log is cleaned below each snapshot, and a restarted or lagging
/// node gets it back through <c>HandleLoadSnapshot</c> (FetchSnapshot for the lagging one).
/// <see cref="MetadataSnapshotStats"/> counts all of it.</para>
/// </summary>
public sealed class MetadataSimNode(
    MetadataSnapshotStats? snapshots = null,
    long snapshotEveryBytes = MetadataSimNode.DefaultSnapshotEveryBytes,
    long snapshotEveryMs = MetadataSimNode.DefaultSnapshotEveryMs,
    Func<IReadOnlyList<MetadataRecord>, IReadOnlyList<MetadataRecord>>? corruptSnapshot = null) : ISimComponent
{
    /// <summary>metadata.log.max.record.bytes.between.snapshots in the simulation (production: 20 MiB).</summary>
    public const long DefaultSnapshotEveryBytes = 2_048;

    /// <summary>metadata.log.max.snapshot.interval.ms in the simulation (production: 1 h).</summary>
    public const long DefaultSnapshotEveryMs = 5_000;

    private const int TickMs = 100;
    private const int RpcCode = 20;
    private readonly MetadataSnapshotStats _snapshots = snapshots ?? new MetadataSnapshotStats();

    private SimNode? _node;
    private int _incarnation;

    /// <summary>Deliberately broken controller variants (canaries only).</summary>
    internal ControllerFaults Faults { get; init; } = ControllerFaults.None;

    public MetadataLoader Loader { get; private set; } = null!;

    /// <summary>The controller core; null on an observer (a broker-only node, process.roles=broker).</summary>
    public ControllerCore? Controller { get; private set; }

    public BrokerLifecycleManager Broker { get; private set; } = null!;

    public void Start(SimNode node)
    {
        _node = node;
        _incarnation = node.Incarnation;
        var raft = node.Raft!;
        var time = new SimTimeProvider(node);
        // As production composes it: the loader writes the snapshots through the Raft client
        // (here one that counts them), and the controller core is registered after the loader.
        Loader = new MetadataLoader(
            new MetadataLoaderOptions { ClusterId = "sim", NodeId = node.NodeId, MaxBytesBetweenSnapshots = snapshotEveryBytes, MaxSnapshotIntervalMs = snapshotEveryMs },
            new SnapshottingRaftClient(node, raft, _snapshots, corruptSnapshot));
        Controller = raft.Voters.Contains(node.NodeId)
            ? new ControllerCore(new ControllerCoreOptions { NodeId = node.NodeId, ClusterId = "sim", Faults = Faults }, raft, time, node.Random)
            : null;
        Broker = new BrokerLifecycleManager(
            new BrokerLifecycleOptions
            {
                BrokerId = node.NodeId,
                ClusterId = "sim",
                Listeners = [new BrokerEndpoint("PLAINTEXT", "node" + node.NodeId, 9092)],
                Rack = node.NodeId % 2 == 0 ? "even" : "odd",
            },
            time,
            node.Random);
        raft.Register(new CountingRaftListener(Loader, () => _snapshots.LoadedByLoaders++));
        if (Controller is { } controller)
        {
            raft.Register(new CountingRaftListener(controller, () =>
            {
                _snapshots.LoadedByControllers++;
                if (controller.IsActive)
                {
                    _snapshots.LoadedByActiveControllers++;
                }
            }));
        }
        Broker.Start();
        Broker.SetReadyToUnfence();
        node.Schedule(node.Random.Next(TickMs), Tick);
    }

    private bool Alive => _node is { } node && node.Incarnation == _incarnation && node.IsUp;

    private void Tick()
    {
        if (!Alive)
        {
            return;
        }
        var node = _node!;
        Controller?.Tick();
        Broker.SetMetadataOffset(Loader.LastAppliedOffset);
        if (Broker.Poll() is { } request)
        {
            Send(request);
        }
        node.Schedule(TickMs, Tick);
    }

    private void Send(BrokerLifecycleRequest request)
    {
        var node = _node!;
        if (node.Raft!.LeaderAndEpoch.LeaderId is not { } leader)
        {
            Broker.HandleFailure(request.Sequence);
            return;
        }
        node.Cluster.Network.Send(node, _incarnation, leader, RpcCode, _ =>
        {
            var target = node.Cluster.Nodes[leader];
            if (target.Components.OfType<MetadataSimNode>().FirstOrDefault() is not { Alive: true, Controller: { } controller })
            {
                return;
            }
            var targetIncarnation = target.Incarnation;
            if (request.Registration is { } registration)
            {
                controller.RegisterBroker(registration, reply =>
                    node.Cluster.Network.Send(target, targetIncarnation, node.NodeId, RpcCode + 100, _ =>
                    {
                        if (Alive)
                        {
                            Broker.HandleRegistrationReply(request.Sequence, reply);
                        }
                    }));
            }
            else
            {
                controller.BrokerHeartbeat(request.Heartbeat!, reply =>
                    node.Cluster.Network.Send(target, targetIncarnation, node.NodeId, RpcCode + 100, _ =>
                    {
                        if (Alive)
                        {
                            Broker.HandleHeartbeatReply(request.Sequence, reply);
                        }
                    }));
            }
        });
    }

    /// <summary>The node's committed log from its start (or snapshot) up to <paramref name="offset"/>, replayed into a fresh image.</summary>
    public static MetadataImage FreshReplay(SimNode node, long offset)
    {
        var builder = new MetadataImageBuilder(MetadataImage.Empty("sim", node.NodeId));
        var snapshotEnd = -1L;
        if (node.Log.ReadLatestSnapshot() is { } snapshot && snapshot.LastContained.Offset <= offset)
        {
            snapshotEnd = snapshot.LastContained.Offset;
            builder = new MetadataImageBuilder(MetadataImageRecords.Read("sim", node.NodeId, snapshotEnd, snapshot.Records));
        }
        foreach (var batch in node.Log.Batches)
        {
            if (batch.LastOffset > offset)
            {
                break;
            }
            if (batch.LastOffset <= snapshotEnd)
            {
                continue;
            }
            if (batch.IsControl)
            {
                builder.AdvanceTo(batch.LastOffset);
            }
            else
            {
                builder.ApplyBatch(batch.BaseOffset, batch.LastOffset, batch.Records);
            }
        }
        return builder.Build();
    }
}
