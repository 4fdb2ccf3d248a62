using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// Broker lifecycle on the controller (KIP-631; Kafka's ClusterControlManager and
/// BrokerHeartbeatManager): registration, heartbeats, fencing on session expiry, unfencing once
/// caught up, controlled shutdown; and producer id blocks.
/// </summary>
public sealed partial class ControllerCore
{
    private const int MaxListeners = 64;

    /// <summary>
    /// Registers a new incarnation of a broker: a RegisterBrokerRecord whose offset is the new
    /// broker epoch, fenced until a heartbeat reports the broker caught up with the log.
    /// A different incarnation while the registered one still holds a live session gets
    /// DUPLICATE_BROKER_REGISTRATION. <paramref name="soleVoterSelf"/> is only for the sole voter
    /// registering its own broker: unfenced at once (it writes the log, so it is caught up), and
    /// its previous incarnation is known to be gone (it is this process's predecessor).
    /// </summary>
    public void RegisterBroker(BrokerRegistrationRequestData request, Action<BrokerRegistrationReplyData> reply, bool soleVoterSelf = false) =>
        Write(reply, (error, message) => new BrokerRegistrationReplyData(error, message, -1), () =>
        {
            if (request.ClusterId is { } clusterId && clusterId != _options.ClusterId)
            {
                return Reply(new BrokerRegistrationReplyData(ErrorCode.InconsistentClusterId,
                    $"Expected cluster ID {_options.ClusterId}, but got cluster ID {clusterId}", -1));
            }
            if (request.BrokerId < 0)
            {
                return Reply(new BrokerRegistrationReplyData(ErrorCode.InvalidRequest, $"Invalid broker id {request.BrokerId}", -1));
            }
            if (request.Listeners.IsDefault || request.Listeners.Length > MaxListeners)
            {
                return Reply(new BrokerRegistrationReplyData(ErrorCode.InvalidRequest, $"A broker registers between 0 and {MaxListeners} listeners", -1));
            }
            if (!soleVoterSelf
                && _latest.Brokers.TryGetValue(request.BrokerId, out var existing)
                && existing.IncarnationId != request.IncarnationId
                && HasLiveSession(existing))
            {
                return Reply(new BrokerRegistrationReplyData(ErrorCode.DuplicateBrokerRegistration,
                    $"Another broker is registered with that broker id: incarnation {existing.IncarnationId} holds a live session.", -1));
            }
            var records = new List<MetadataRecord>();
            if (!soleVoterSelf && _latest.Brokers.TryGetValue(request.BrokerId, out var previous) && previous.IncarnationId != request.IncarnationId)
            {
                // The previous incarnation is gone: it leaves every ISR (and, after an unclean
                // shutdown, every ELR) before the new one registers fenced.
                Reregister(request.BrokerId, cleanShutdown: request.PreviousBrokerEpoch == previous.Epoch, records);
            }
            var brokerEpoch = _lastWriteOffset + records.Count + 1;
            _lastContactMs[request.BrokerId] = NowMs;
            records.Add(new RegisterBrokerRecord(request.BrokerId, request.IncarnationId, brokerEpoch, request.Listeners, request.Rack, Fenced: !soleVoterSelf));
            return (records, new BrokerRegistrationReplyData(ErrorCode.None, null, brokerEpoch));
        });

    /// <summary>
    /// A heartbeat (Kafka's processBrokerHeartbeat): renews the session and moves the broker
    /// between fenced, unfenced and controlled shutdown. A fenced broker is unfenced once its
    /// metadata offset reaches its registration; an unfenced one asking to shut down enters
    /// controlled shutdown and, with no leadership left to move, may shut down at once.
    /// </summary>
    public void BrokerHeartbeat(BrokerHeartbeatRequestData request, Action<BrokerHeartbeatReplyData> reply) =>
        Write(reply, BrokerHeartbeatReplyData.Failed, () =>
        {
            if (!_latest.Brokers.TryGetValue(request.BrokerId, out var broker) || broker.Epoch != request.BrokerEpoch)
            {
                return Reply(BrokerHeartbeatReplyData.Failed(ErrorCode.StaleBrokerEpoch, broker is null
                    ? $"No broker registration found for broker {request.BrokerId}"
                    : $"Expected broker epoch {broker.Epoch}, but got broker epoch {request.BrokerEpoch}"));
            }
            _lastContactMs[request.BrokerId] = NowMs;
            var caughtUp = request.CurrentMetadataOffset >= broker.Epoch;
            var records = new List<MetadataRecord>();
            if (broker.Fenced)
            {
                if (request.WantShutDown)
                {
                    return Reply(new BrokerHeartbeatReplyData(ErrorCode.None, null, caughtUp, IsFenced: true, ShouldShutDown: true));
                }
                if (!request.WantFence && caughtUp && !broker.InControlledShutdown)
                {
                    Unfence(broker, records);
                    return (records, new BrokerHeartbeatReplyData(ErrorCode.None, null, caughtUp, IsFenced: false, ShouldShutDown: false));
                }
                return Reply(new BrokerHeartbeatReplyData(ErrorCode.None, null, caughtUp, IsFenced: true, ShouldShutDown: false));
            }
            if (request.WantShutDown)
            {
                // Kafka's CONTROLLED_SHUTDOWN state: leaderships move away first; the broker may
                // shut down once it leads nothing and has seen the batch that moved them.
                var remaining = MoveLeadershipAway(broker, records);
                var moved = records.Count > 0;
                if (moved)
                {
                    _controlledShutdownOffsets[broker.NodeId] = _lastWriteOffset + records.Count + (broker.InControlledShutdown ? 0 : 1);
                }
                // The prediction is the batch's last offset; never wait past what was really written.
                var seenMoves = request.CurrentMetadataOffset >= Math.Min(_controlledShutdownOffsets.GetValueOrDefault(broker.NodeId, -1), _lastWriteOffset);
                if (remaining > 0 || moved || !seenMoves)
                {
                    if (!broker.InControlledShutdown)
                    {
                        records.Insert(0, new BrokerRegistrationChangeRecord(broker.NodeId, broker.Epoch, InControlledShutdown: 1));
                    }
                    return (records, new BrokerHeartbeatReplyData(ErrorCode.None, null, caughtUp, IsFenced: false, ShouldShutDown: false));
                }
                _controlledShutdownOffsets.Remove(broker.NodeId);
                // Nothing left to lead: shut down now, fenced, as Kafka's SHUTDOWN_NOW state.
                records.Add(new BrokerRegistrationChangeRecord(broker.NodeId, broker.Epoch,
                    BrokerRegistrationChangeRecord.FenceChangeFenced, InControlledShutdown: 1));
                return (records, new BrokerHeartbeatReplyData(ErrorCode.None, null, caughtUp, IsFenced: true, ShouldShutDown: true));
            }
            if (request.WantFence)
            {
                Fence(broker, records);
                return (records, new BrokerHeartbeatReplyData(ErrorCode.None, null, caughtUp, IsFenced: true, ShouldShutDown: false));
            }
            return Reply(new BrokerHeartbeatReplyData(ErrorCode.None, null, caughtUp, IsFenced: false, ShouldShutDown: false));
        });

    private bool HasLiveSession(BrokerImage broker) =>
        !broker.Fenced
        && _lastContactMs.TryGetValue(broker.NodeId, out var last)
        && NowMs - last <= _options.BrokerSessionTimeoutMs;

    /// <summary>
    /// Hands a broker <paramref name="size"/> producer ids (Kafka's AllocateProducerIds), committed
    /// before they are returned so ids never repeat. <paramref name="brokerEpoch"/> -1 skips the
    /// epoch check (the node's own producer id manager in a cluster of one).
    /// </summary>
    public void AllocateProducerIds(int brokerId, long brokerEpoch, int size, Action<ProducerIdsReplyData> reply) =>
        Write(reply, (error, message) => new ProducerIdsReplyData(error, message, -1, 0), () =>
        {
            if (size <= 0 || size > _options.MaxProducerIdBlock)
            {
                return Reply(new ProducerIdsReplyData(ErrorCode.InvalidRequest, $"A producer id block holds 1 to {_options.MaxProducerIdBlock} ids", -1, 0));
            }
            if (brokerEpoch >= 0 && (!_latest.Brokers.TryGetValue(brokerId, out var broker) || broker.Epoch != brokerEpoch))
            {
                return Reply(new ProducerIdsReplyData(ErrorCode.StaleBrokerEpoch, $"Broker {brokerId} is not registered with epoch {brokerEpoch}", -1, 0));
            }
            var start = _latest.NextProducerId;
            if (start > long.MaxValue - size)
            {
                return Reply(new ProducerIdsReplyData(ErrorCode.UnknownServerError, "Producer ids are exhausted", -1, 0));
            }
            var epoch = _latest.Brokers.TryGetValue(brokerId, out var registered) ? registered.Epoch : -1;
            return ([new ProducerIdsRecord(brokerId, epoch, start + size)], new ProducerIdsReplyData(ErrorCode.None, null, start, size));
        });
}
