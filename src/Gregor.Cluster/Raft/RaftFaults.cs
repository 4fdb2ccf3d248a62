namespace Gregor.Cluster.Raft;

/// <summary>
/// Deliberately wrong variants of the Raft core, switched on only by the simulator's canary tests
/// (internal; visible to the simulation project) to prove the simulator catches each one.
/// </summary>
internal sealed record RaftFaults
{
    public static RaftFaults None { get; } = new();

    /// <summary>Grant votes without checking that the candidate's log is at least as up to date.</summary>
    public bool VoteWithoutLogCheck { get; init; }

    /// <summary>The leader counts an offset committed once it alone has it (no majority).</summary>
    public bool CommitWithoutMajority { get; init; }

    /// <summary>Report and count log appends before they are fsynced.</summary>
    public bool ReplyBeforeFsync { get; init; }

    /// <summary>The leader never resigns when no majority fetches from it.</summary>
    public bool LeaderNeverResigns { get; init; }
}
