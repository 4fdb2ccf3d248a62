namespace Gregor.Cluster.Raft;

/// <summary>
/// Kafka's <c>quorum-state</c> file (QuorumStateData, data_version 1): the epoch, the leader known
/// in it (-1 = none) and the vote cast in it (-1 = none).
/// </summary>
public sealed record QuorumStateData(int LeaderEpoch, int LeaderId, int VotedId, Guid VotedDirectoryId, short DataVersion = 1)
{
    public static QuorumStateData Initial { get; } = new(0, -1, -1, Guid.Empty);
}
