using Gregor.Cluster.Records;

namespace Gregor.Cluster.Raft;

/// <summary>
/// What the rest of a node (the quorum controller, the broker's metadata loader) sees of the Raft
/// replica, as Kafka's <c>RaftClient</c>. Single-threaded: call only on the thread that drives the
/// core (the production driver offers a thread-safe wrapper that posts onto its loop).
/// </summary>
public interface IRaftClient
{
    int NodeId { get; }

    LeaderAndEpoch LeaderAndEpoch { get; }

    /// <summary>Exclusive end of the committed log; -1 while unknown.</summary>
    long HighWatermark { get; }

    void Register(IRaftListener listener);

    /// <summary>
    /// Leader only: appends the records as one batch in <paramref name="epoch"/> and returns the
    /// batch's last offset. Throws <see cref="NotLeaderException"/> if this node is not the leader
    /// of <paramref name="epoch"/>. The batch is committed — and handed to listeners — once a
    /// majority of voters has it durably.
    /// </summary>
    long ScheduleAtomicAppend(int epoch, IReadOnlyList<MetadataRecord> records);

    /// <summary>
    /// Writes a snapshot of committed state up to and including <paramref name="lastContained"/>
    /// (which must be committed and the last offset of a batch); the log below it may then be
    /// cleaned.
    /// </summary>
    void CreateSnapshot(OffsetAndEpoch lastContained, long lastContainedLogTimeMs,
        IReadOnlyList<MetadataRecord> records);

    /// <summary>Leader only: resign (EndQuorumEpoch) so another voter takes over (controlled shutdown).</summary>
    void Resign(int epoch);
}
