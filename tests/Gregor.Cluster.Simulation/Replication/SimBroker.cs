using Gregor.Cluster.Metadata;
using Gregor.Cluster.Replication;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// One incarnation of a simulated broker process: registers with the controller (a new broker
/// epoch), heartbeats, applies published images (become leader: assign the epoch in the cache
/// and create a <see cref="LeaderReplicaState"/>; become follower: fetch from the leader with
/// the current leader epoch and the last fetched epoch, truncating on DivergingEpoch through
/// <see cref="FollowerTruncation"/>), serves follower fetches (epoch validation, the divergence
/// check, <see cref="LeaderReplicaState.OnFollowerFetch"/>), sends ISR changes as AlterPartition,
/// and answers idempotent acks=all produces once <see cref="LeaderReplicaState.CheckAcksAll"/>
/// says so — the calls production's Partition/ReplicaManager make.
/// </summary>
public sealed class SimBroker(DataPlaneSimulation simulation, SimBrokerHost host, int incarnation)
{
    private const int MaxBatchesPerFetch = 8;

    private readonly Dictionary<int, SimReplica> _replicas = [];
    private SimImage? _image;

    public long BrokerEpoch { get; private set; } = -1;

    /// <summary>
    /// False for a dead incarnation. Answers travel to the host's current incarnation, but an
    /// answer to a request a dead process sent (held up by a paused peer) must not run the dead
    /// process's code on the new one's disk: a real answer would arrive on a closed connection.
    /// </summary>
    private bool Current => ReferenceEquals(host.Process, this);

    public IReadOnlyDictionary<int, SimReplica> Replicas => _replicas;

    private DataPlaneNetwork Network => simulation.Network;

    private long Now => simulation.Scheduler.Now;

    private ReplicationOptions CoreOptions => simulation.CoreOptions;

    public void Start()
    {
        foreach (var (partition, log) in host.Logs)
        {
            _replicas[partition] = new SimReplica(partition, log);
        }
        Register();
        if (simulation.CrashMode != CrashMode.FlushEveryMessage)
        {
            Schedule(simulation.Random.Next(300), 80, FlushTick);
        }
        Schedule(500, 81, CheckpointTick);
        Schedule(simulation.Random.Next(250), 82, LeaderTick);
    }

    private void Schedule(long delayMs, int code, Action action) =>
        simulation.Scheduler.After(delayMs, () => simulation.RunOn(host.Id, incarnation, code, action));

    private void Register()
    {
        if (BrokerEpoch >= 0)
        {
            return;
        }
        var controller = simulation.Controller;
        var clean = simulation.CrashMode == CrashMode.FlushEveryMessage && !host.DiskReplaced;
        Network.Send(host.Id, SimPartitionController.NodeId, 60, () => controller.Register(host.Id, incarnation, clean, (epoch, image) =>
            Network.Send(SimPartitionController.NodeId, host.Id, 61, () => OnRegistered(epoch, image))));
        Schedule(500, 83, Register);
    }

    private void OnRegistered(long epoch, SimImage image)
    {
        if (!Current)
        {
            return;
        }
        if (BrokerEpoch >= 0)
        {
            return;
        }
        BrokerEpoch = epoch;
        host.DiskReplaced = false;
        OnImage(image);
        Heartbeat();
    }

    private void Heartbeat()
    {
        var controller = simulation.Controller;
        var epoch = BrokerEpoch;
        Network.Send(host.Id, SimPartitionController.NodeId, 64, () => controller.Heartbeat(host.Id, epoch, (_, image) =>
            Network.Send(SimPartitionController.NodeId, host.Id, 65, () => OnImage(image))));
        Schedule(simulation.Options.HeartbeatIntervalMs, 84, Heartbeat);
    }

    private void FlushTick()
    {
        foreach (var replica in _replicas.Values)
        {
            replica.Log.Flush();
        }
        Schedule(100 + simulation.Random.Next(900), 80, FlushTick);
    }

    private void CheckpointTick()
    {
        foreach (var replica in _replicas.Values)
        {
            replica.Log.HighWatermarkCheckpoint = replica.HighWatermark;
        }
        Schedule(500, 81, CheckpointTick);
    }

    private void LeaderTick()
    {
        foreach (var replica in _replicas.Values)
        {
            if (replica.Leader is not { } leader)
            {
                continue;
            }
            if (leader.MaybeShrinkIsr(Now, replica.Log.LogEndOffset) is { } change)
            {
                SendIsrChange(replica, change);
            }
            else if (leader.PendingIsrChange is { } pending && Now - replica.SentIsrChangeAt > 500)
            {
                SendIsrChange(replica, pending);
            }
            for (var i = replica.Delayed.Count - 1; i >= 0; i--)
            {
                if (Now >= replica.Delayed[i].DeadlineMs)
                {
                    var expired = replica.Delayed[i];
                    replica.Delayed.RemoveAt(i);
                    expired.Reply(ErrorCode.RequestTimedOut, -1);
                }
            }
        }
        Schedule(250, 82, LeaderTick);
    }

    /// <summary>A published image: leadership, ISR and broker changes for the replicas this broker holds.</summary>
    public void OnImage(SimImage image)
    {
        if (!Current)
        {
            return;
        }
        if (BrokerEpoch < 0 || (_image is { } current && image.Version <= current.Version))
        {
            return;
        }
        _image = image;
        foreach (var partition in image.Partitions)
        {
            if (!partition.Replicas.Contains(host.Id))
            {
                continue;
            }
            if (!_replicas.TryGetValue(partition.Partition, out var replica))
            {
                replica = new SimReplica(partition.Partition, host.LogFor(partition.Partition));
                _replicas[partition.Partition] = replica;
            }
            if (partition.Leader == host.Id)
            {
                BecomeOrStayLeader(replica, partition, image);
            }
            else
            {
                BecomeFollower(replica, partition);
            }
        }
    }

    private void BecomeOrStayLeader(SimReplica replica, PartitionImage partition, SimImage image)
    {
        if (replica.Leader is { } leader && partition.LeaderEpoch <= leader.LeaderEpoch)
        {
            leader.UpdateBrokers(image.Brokers);
            leader.OnPartitionImage(partition, image.Brokers, Now, replica.Log.LogEndOffset);
            CompleteDelayed(replica);
            return;
        }
        FailDelayed(replica, ErrorCode.NotLeaderOrFollower);
        var leo = replica.Log.LogEndOffset;
        replica.Cache.Assign(partition.LeaderEpoch, leo);
        replica.PersistCache();
        replica.Leader = new LeaderReplicaState(host.Id, BrokerEpoch, SimPartitionController.TopicId, partition, image.Brokers,
            leo, replica.FollowerHighWatermark, Now, CoreOptions);
        replica.FollowLeaderId = -1;
        replica.FollowLeaderEpoch = -1;
        replica.FetchId++;
        replica.SentIsrChange = null;
        replica.VerifiedUpTo = 0;
        simulation.OnBecameLeader(partition.Partition, host.Id, partition.LeaderEpoch);
        CompleteDelayed(replica);
    }

    private void BecomeFollower(SimReplica replica, PartitionImage partition)
    {
        if (replica.Leader is { } leader)
        {
            replica.FollowerHighWatermark = leader.HighWatermark;
            replica.Leader = null;
            FailDelayed(replica, ErrorCode.NotLeaderOrFollower);
        }
        if (partition.Leader == replica.FollowLeaderId && partition.LeaderEpoch == replica.FollowLeaderEpoch)
        {
            return;
        }
        replica.FollowLeaderId = partition.Leader;
        replica.FollowLeaderEpoch = partition.LeaderEpoch;
        if (partition.Leader >= 0)
        {
            Fetch(replica);
        }
        else
        {
            replica.FetchId++;
        }
    }

    // ---- follower side ----

    private void Fetch(SimReplica replica)
    {
        var fetchId = ++replica.FetchId;
        var leaderId = replica.FollowLeaderId;
        var request = new SimFetchRequest(replica.Partition, host.Id, BrokerEpoch, replica.FollowLeaderEpoch, replica.Log.LogEndOffset,
            simulation.Options.Canary == DataPlaneCanary.NoTruncationOnDivergence ? -1 : replica.Cache.LatestEpoch);
        Network.Send(host.Id, leaderId, 66, () => simulation.Hosts[leaderId].Process?.HandleFetch(request, response =>
            Network.Send(leaderId, host.Id, 67, () => OnFetchResponse(replica, fetchId, request, response))));
        Schedule(700, 85, () =>
        {
            if (replica.FetchId == fetchId && replica.Leader is null && replica.FollowLeaderId >= 0)
            {
                Fetch(replica);
            }
        });
    }

    private void OnFetchResponse(SimReplica replica, long fetchId, SimFetchRequest request, SimFetchResponse response)
    {
        if (!Current)
        {
            return;
        }
        if (replica.FetchId != fetchId || replica.Leader is not null || replica.FollowLeaderEpoch != request.CurrentLeaderEpoch)
        {
            return;
        }
        var log = replica.Log;
        if (log.LogEndOffset != request.FetchOffset)
        {
            Fetch(replica);
            return;
        }
        if (response.Error != ErrorCode.None)
        {
            replica.FetchId++;
            var next = replica.FetchId;
            Schedule(100, 86, () =>
            {
                if (replica.FetchId == next && replica.Leader is null && replica.FollowLeaderId >= 0)
                {
                    Fetch(replica);
                }
            });
            return;
        }
        if (response.Diverging is { } diverging)
        {
            var decision = FollowerTruncation.Decide(replica.Cache, log.LogEndOffset, replica.FollowerHighWatermark, diverging);
            simulation.Say($"broker {host.Id}: p{replica.Partition} diverging {diverging} at {log.LogEndOffset} (last epoch {replica.Cache.LatestEpoch}) → truncate to {decision}");
            log.TruncateTo(decision.TruncateTo);
            replica.Cache.TruncateFromEnd(log.LogEndOffset);
            replica.PersistCache();
            replica.FollowerHighWatermark = Math.Min(replica.FollowerHighWatermark, log.LogEndOffset);
            simulation.Stats.Truncations++;
            Fetch(replica);
            return;
        }
        foreach (var batch in response.Batches)
        {
            if (batch.BaseOffset != log.LogEndOffset)
            {
                break;
            }
            log.Append(batch);
            replica.Cache.Assign(batch.Epoch, batch.BaseOffset);
            if (simulation.CrashMode == CrashMode.FlushEveryMessage)
            {
                log.Flush();
            }
        }
        replica.PersistCache();
        replica.FollowerHighWatermark = Math.Min(response.HighWatermark, log.LogEndOffset);
        if (response.Batches.Count > 0)
        {
            Fetch(replica);
        }
        else
        {
            replica.FetchId++;
            var next = replica.FetchId;
            Schedule(50, 87, () =>
            {
                if (replica.FetchId == next && replica.Leader is null && replica.FollowLeaderId >= 0)
                {
                    Fetch(replica);
                }
            });
        }
    }

    // ---- leader side ----

    public void HandleFetch(SimFetchRequest request, Action<SimFetchResponse> reply)
    {
        if (!_replicas.TryGetValue(request.Partition, out var replica) || replica.Leader is not { } leader)
        {
            reply(SimFetchResponse.Failed(ErrorCode.NotLeaderOrFollower));
            return;
        }
        var epochError = leader.ValidateLeaderEpoch(request.CurrentLeaderEpoch);
        if (epochError != ErrorCode.None)
        {
            reply(SimFetchResponse.Failed(epochError));
            return;
        }
        var log = replica.Log;
        var check = replica.Cache.CheckFollowerFetch(request.LastFetchedEpoch, request.FetchOffset, 0, log.LogEndOffset);
        if (check.Kind == FetchEpochCheckKind.Diverging)
        {
            reply(new SimFetchResponse(ErrorCode.None, leader.HighWatermark, check.DivergingEpoch, []));
            return;
        }
        if (check.Kind == FetchEpochCheckKind.OffsetOutOfRange)
        {
            reply(SimFetchResponse.Failed(ErrorCode.OffsetOutOfRange));
            return;
        }
        var outcome = leader.OnFollowerFetch(request.ReplicaId, request.BrokerEpoch, request.FetchOffset, Now, log.LogEndOffset);
        if (outcome.Error != ErrorCode.None)
        {
            reply(SimFetchResponse.Failed(outcome.Error));
            return;
        }
        if (outcome.IsrChange is { } change)
        {
            SendIsrChange(replica, change);
        }
        if (outcome.HighWatermarkChanged)
        {
            CompleteDelayed(replica);
        }
        reply(new SimFetchResponse(ErrorCode.None, leader.HighWatermark, null, Read(log, request.FetchOffset, log.LogEndOffset)));
    }

    private static List<SimBatch> Read(SimPartitionLog log, long from, long to)
    {
        var batches = new List<SimBatch>();
        var index = log.IndexOf(from);
        while (index >= 0 && index < log.Batches.Count && batches.Count < MaxBatchesPerFetch && log.Batches[index].BaseOffset < to)
        {
            batches.Add(log.Batches[index++]);
        }
        return batches;
    }

    private void SendIsrChange(SimReplica replica, IsrChange change)
    {
        replica.SentIsrChange = change;
        replica.SentIsrChangeAt = Now;
        var controller = simulation.Controller;
        var epoch = BrokerEpoch;
        Network.Send(host.Id, SimPartitionController.NodeId, 62, () => controller.AlterPartition(host.Id, epoch, change, (error, partition) =>
            Network.Send(SimPartitionController.NodeId, host.Id, 63, () => OnAlterPartitionResponse(replica, change, error, partition))));
    }

    private void OnAlterPartitionResponse(SimReplica replica, IsrChange change, ErrorCode error, PartitionImage? partition)
    {
        if (!Current)
        {
            return;
        }
        if (replica.Leader is not { } leader)
        {
            return;
        }
        var action = leader.OnAlterPartitionResponse(change, error, partition?.LeaderEpoch ?? -1, partition?.PartitionEpoch ?? -1,
            partition?.Isr ?? [], Now);
        simulation.Say($"broker {host.Id}: p{replica.Partition} {change.Kind} to [{string.Join(",", change.NewIsrIds)}] at epochs {change.LeaderEpoch}/{change.PartitionEpoch}: {error} → {action}");
        if (action == AlterPartitionResponseAction.Retry)
        {
            Schedule(100, 88, () =>
            {
                if (ReferenceEquals(replica.Leader?.PendingIsrChange, change))
                {
                    SendIsrChange(replica, change);
                }
            });
        }
        CompleteDelayed(replica);
    }

    /// <summary>A consumer's fetch: whole batches from <paramref name="position"/> below the HWM (consumers never read past it).</summary>
    public void HandleConsumerFetch(int partition, int leaderEpoch, long position, Action<ErrorCode, IReadOnlyList<SimBatch>> reply)
    {
        if (!_replicas.TryGetValue(partition, out var replica) || replica.Leader is not { } leader)
        {
            reply(ErrorCode.NotLeaderOrFollower, []);
            return;
        }
        var epochError = leader.ValidateLeaderEpoch(leaderEpoch);
        if (epochError != ErrorCode.None)
        {
            reply(epochError, []);
            return;
        }
        var batches = Read(replica.Log, position, leader.HighWatermark);
        batches.RemoveAll(b => b.NextOffset > leader.HighWatermark);
        reply(ErrorCode.None, batches);
    }

    /// <summary>An idempotent acks=all produce of <paramref name="count"/> records from <paramref name="producerId"/>.</summary>
    public void HandleProduce(int partition, int producerId, int baseSequence, int count, Action<ErrorCode, long> reply)
    {
        if (!_replicas.TryGetValue(partition, out var replica) || replica.Leader is not { } leader)
        {
            reply(ErrorCode.NotLeaderOrFollower, -1);
            return;
        }
        if (!leader.CanAcceptAcksAll)
        {
            reply(ErrorCode.NotEnoughReplicas, -1);
            return;
        }
        var log = replica.Log;
        var last = log.LastSequence(producerId);
        SimBatch batch;
        if (baseSequence <= last)
        {
            // A retry of a batch this log already has: answer with its offset once it is committed (Kafka's duplicate handling).
            if (log.FindSequence(producerId, baseSequence) is not { } existing || existing.BaseSequence != baseSequence || existing.Count != count)
            {
                reply(ErrorCode.OutOfOrderSequenceNumber, -1);
                return;
            }
            batch = existing;
        }
        else if (baseSequence != last + 1)
        {
            reply(ErrorCode.OutOfOrderSequenceNumber, -1);
            return;
        }
        else
        {
            batch = new SimBatch(log.LogEndOffset, leader.LeaderEpoch, producerId, baseSequence, count);
            log.Append(batch);
            if (simulation.CrashMode == CrashMode.FlushEveryMessage)
            {
                log.Flush();
            }
            if (leader.OnLocalAppend(log.LogEndOffset, Now))
            {
                CompleteDelayed(replica);
            }
        }
        if (simulation.Options.Canary == DataPlaneCanary.AckBeforeHighWatermark)
        {
            reply(ErrorCode.None, batch.BaseOffset);
            return;
        }
        replica.Delayed.Add(new DelayedAcksAll(batch.BaseOffset, batch.NextOffset, Now + simulation.Options.ProduceTimeoutMs, reply));
        CompleteDelayed(replica);
    }

    private static void CompleteDelayed(SimReplica replica)
    {
        if (replica.Leader is not { } leader)
        {
            return;
        }
        for (var i = 0; i < replica.Delayed.Count;)
        {
            var delayed = replica.Delayed[i];
            var (complete, error) = leader.CheckAcksAll(delayed.RequiredOffset);
            if (complete)
            {
                replica.Delayed.RemoveAt(i);
                delayed.Reply(error, error == ErrorCode.None ? delayed.BaseOffset : -1);
            }
            else
            {
                i++;
            }
        }
    }

    private static void FailDelayed(SimReplica replica, ErrorCode error)
    {
        var delayed = replica.Delayed.ToList();
        replica.Delayed.Clear();
        foreach (var d in delayed)
        {
            d.Reply(error, -1);
        }
    }
}
