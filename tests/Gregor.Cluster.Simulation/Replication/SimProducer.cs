using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// An idempotent acks=all producer for one partition with max.in.flight.requests=1: it sends
/// one batch (1–3 records, consecutive sequence numbers) to the leader its metadata names,
/// retries the same batch on any error or after a request timeout (a timed-out attempt's
/// answer is ignored, as a client that closed the connection), and records every acknowledged
/// record with the offset the leader answered. Its metadata is a copy of the controller's
/// image, refreshed on errors and every second (so it is sometimes stale: zombie leaders get
/// requests). A client endpoint on the network that never crashes.
/// </summary>
public sealed class SimProducer(DataPlaneSimulation simulation, int partition)
{
    private SimImage? _metadata;
    private int _nextSequence;
    private (int BaseSequence, int Count)? _inFlight;
    private long _attempt;

    public int NodeId { get; } = 2_000 + partition;

    public int ProducerId { get; } = 1 + partition;

    public int Partition { get; } = partition;

    /// <summary>Acknowledged records: sequence → offset the leader answered.</summary>
    public SortedDictionary<int, long> Acknowledged { get; } = [];

    /// <summary>No new batches once set (after the heal); the one in flight still has to be acknowledged.</summary>
    public bool Stopped { get; set; }

    public bool Idle => _inFlight is null;

    public void Start() => simulation.Scheduler.After(simulation.Random.Next(200), () => simulation.RunOn(NodeId, 0, 70, Step));

    private void Step()
    {
        if (_inFlight is null)
        {
            if (Stopped)
            {
                return;
            }
            var count = 1 + simulation.Random.Next(3);
            _inFlight = (_nextSequence, count);
            _nextSequence += count;
        }
        Send();
    }

    private void Send()
    {
        if ((_metadata?.Version ?? -1) < 0 || simulation.Random.Next(20) == 0)
        {
            _metadata = simulation.Controller.Image;
        }
        var attempt = ++_attempt;
        var leader = _metadata!.Partitions[Partition].Leader;
        var (baseSequence, count) = _inFlight!.Value;
        if (leader < 0)
        {
            Retry(attempt, refresh: true);
            return;
        }
        simulation.Network.Send(NodeId, leader, 71, () => simulation.Hosts[leader].Process?.HandleProduce(Partition, ProducerId, baseSequence, count,
            (error, offset) => simulation.Network.Send(leader, NodeId, 72, () => OnResponse(attempt, error, offset))));
        simulation.Scheduler.After(simulation.Options.ProduceTimeoutMs + 500, () => simulation.RunOn(NodeId, 0, 73, () =>
        {
            if (_attempt == attempt)
            {
                Retry(attempt, refresh: true);
            }
        }));
    }

    private void Retry(long attempt, bool refresh)
    {
        if (refresh)
        {
            _metadata = null;
        }
        _attempt++;
        var next = _attempt;
        simulation.Scheduler.After(50 + simulation.Random.Next(100), () => simulation.RunOn(NodeId, 0, 74, () =>
        {
            if (_attempt == next)
            {
                Send();
            }
        }));
    }

    private void OnResponse(long attempt, ErrorCode error, long offset)
    {
        if (attempt != _attempt || _inFlight is not { } batch)
        {
            return;
        }
        if (error != ErrorCode.None)
        {
            simulation.Stats.ProduceErrors++;
            Retry(attempt, refresh: true);
            return;
        }
        for (var i = 0; i < batch.Count; i++)
        {
            Acknowledged[batch.BaseSequence + i] = offset + i;
        }
        simulation.Stats.Acknowledged += batch.Count;
        simulation.OnAcknowledged(Partition, ProducerId, batch.BaseSequence, batch.Count, offset);
        _inFlight = null;
        _attempt++;
        simulation.Scheduler.After(5 + simulation.Random.Next(40), () => simulation.RunOn(NodeId, 0, 70, Step));
    }
}
