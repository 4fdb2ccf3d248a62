namespace Gregor.Cluster.Raft;

/// <summary>
/// LeaderChangeMessage (control type 2): the first batch a new leader appends in its epoch; once
/// it commits, everything before it is committed too (Raft commits only entries of the current
/// term by counting).
/// </summary>
public sealed record LeaderChangeControlRecord(int LeaderId, IReadOnlyList<int> Voters, IReadOnlyList<int> GrantingVoters)
    : RaftControlRecord
{
    public override RaftControlRecordType Type => RaftControlRecordType.LeaderChange;
}
