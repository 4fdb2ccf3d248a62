using Gregor.Cluster.Raft.Messages;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Raft;

/// <summary>
/// The sans-I/O KRaft replica (KIP-595 + KIP-996 PreVote + KIP-630 snapshots; static voters).
/// Events in — <see cref="HandleRequest"/>, <see cref="HandleResponse"/>,
/// <see cref="HandleFlushCompleted"/>, <see cref="Poll"/> (timers) and the
/// <see cref="IRaftClient"/> calls — actions out through the injected <see cref="IRaftTransport"/>,
/// <see cref="IRaftLog"/>, <see cref="IQuorumStateStore"/> and the registered listeners. Time is
/// whatever the driver passes as <c>nowMs</c> (the core never reads a clock) and randomness comes
/// from the injected seeded <see cref="Random"/>.
/// Driving contract: single-threaded; after every event call <see cref="Poll"/> with the same
/// time and call it again no later than the deadline it returns.
/// </summary>
public sealed class RaftReplica : IRaftClient
{
    public RaftReplica(RaftOptions options, IRaftLog log, IQuorumStateStore stateStore, IRaftTransport transport,
        Random random, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ = (log, stateStore, transport, random, nowMs);
        NodeId = options.NodeId;
        throw new NotImplementedException("RaftReplica is being written on branch raft");
    }

    public int NodeId { get; }

    public RaftRole Role => throw new NotImplementedException();

    public LeaderAndEpoch LeaderAndEpoch => throw new NotImplementedException();

    public long HighWatermark => throw new NotImplementedException();

    /// <summary>Runs every timer due at <paramref name="nowMs"/>; returns the absolute time of the next one.</summary>
    public long Poll(long nowMs) => throw new NotImplementedException();

    /// <summary>An inbound request from <paramref name="sourceId"/>; answered (now or later) with <see cref="IRaftTransport.SendResponse"/> and the same correlation id.</summary>
    public void HandleRequest(int sourceId, long correlationId, RaftRequest request, long nowMs) =>
        throw new NotImplementedException();

    /// <summary>A response to a request this replica sent; stale, duplicate or unknown correlation ids are ignored.</summary>
    public void HandleResponse(int sourceId, long correlationId, RaftResponse response, long nowMs) =>
        throw new NotImplementedException();

    /// <summary>The transport could not deliver request <paramref name="correlationId"/> (connection refused/closed); optional, timeouts cover it.</summary>
    public void HandleRequestFailed(int destinationId, long correlationId, long nowMs) =>
        throw new NotImplementedException();

    /// <summary>An fsync requested with <see cref="IRaftLog.RequestFlush"/> finished; <see cref="IRaftLog.FlushedEndOffset"/> has advanced.</summary>
    public void HandleFlushCompleted(long nowMs) => throw new NotImplementedException();

    public void Register(IRaftListener listener) => throw new NotImplementedException();

    public long ScheduleAtomicAppend(int epoch, IReadOnlyList<MetadataRecord> records) =>
        throw new NotImplementedException();

    public void CreateSnapshot(OffsetAndEpoch lastContained, long lastContainedLogTimeMs, IReadOnlyList<MetadataRecord> records) =>
        throw new NotImplementedException();

    public void Resign(int epoch) => throw new NotImplementedException();
}
