namespace Gregor.Cluster.Raft;

/// <summary>The states of a KRaft replica (KIP-595 + KIP-996).</summary>
public enum RaftRole
{
    /// <summary>Knows an epoch but no leader in it (and may have voted in it).</summary>
    Unattached,
    /// <summary>Asking for pre-votes (KIP-996) before standing: changes no one's epoch.</summary>
    Prospective,
    /// <summary>Standing in its epoch, having voted for itself.</summary>
    Candidate,
    Leader,
    Follower,
    /// <summary>Was the leader of its epoch and gave it up (EndQuorumEpoch sent); waits for a new leader.</summary>
    Resigned,
    /// <summary>A non-voter (a broker) following the log.</summary>
    Observer,
}
