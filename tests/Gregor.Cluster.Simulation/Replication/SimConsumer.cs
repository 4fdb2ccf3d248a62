using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// A consumer of one partition: fetches from the leader its (possibly stale) metadata names,
/// from its position, with the leader epoch it knows; the leader answers whole batches below
/// its HWM. Every record received is handed to <see cref="DataPlaneSimulation.OnConsumed"/>,
/// which fails the run if it was never below any HWM (a read past the HWM) or differs from what
/// was committed at that offset. A client endpoint on the network that never crashes.
/// </summary>
public sealed class SimConsumer(DataPlaneSimulation simulation, int partition)
{
    private SimImage? _metadata;
    private long _request;

    public int NodeId { get; } = 3_000 + partition;

    public int Partition { get; } = partition;

    public long Position { get; private set; }

    public void Start() => simulation.Scheduler.After(simulation.Random.Next(200), () => simulation.RunOn(NodeId, 0, 75, Poll));

    private void Poll()
    {
        _metadata ??= simulation.Controller.Image;
        var image = _metadata.Partitions[Partition];
        var request = ++_request;
        if (image.Leader >= 0)
        {
            var leader = image.Leader;
            var position = Position;
            simulation.Network.Send(NodeId, leader, 76, () => simulation.Hosts[leader].Process?.HandleConsumerFetch(Partition, image.LeaderEpoch, position,
                (error, batches) => simulation.Network.Send(leader, NodeId, 77, () => OnResponse(request, position, error, batches))));
        }
        simulation.Scheduler.After(300, () => simulation.RunOn(NodeId, 0, 78, () =>
        {
            if (_request == request)
            {
                _metadata = null;
                Poll();
            }
        }));
    }

    private void OnResponse(long request, long position, ErrorCode error, IReadOnlyList<SimBatch> batches)
    {
        if (request != _request || position != Position)
        {
            return;
        }
        _request++;
        if (error != ErrorCode.None)
        {
            _metadata = null;
        }
        foreach (var batch in batches)
        {
            if (batch.BaseOffset != Position)
            {
                break;
            }
            for (var offset = batch.BaseOffset; offset < batch.NextOffset; offset++)
            {
                simulation.OnConsumed(Partition, offset, batch.RecordAt(offset));
            }
            Position = batch.NextOffset;
        }
        simulation.Scheduler.After(batches.Count > 0 ? 1 : 30 + simulation.Random.Next(70), () => simulation.RunOn(NodeId, 0, 75, Poll));
    }
}
