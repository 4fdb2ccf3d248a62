namespace Gregor.Cluster.Raft.Messages;

/// <summary>
/// EndQuorumEpoch (apiKey 54): the leader of <see cref="LeaderEpoch"/> resigns;
/// <see cref="PreferredSuccessors"/> are voters ordered by how far their logs reach, so the best
/// placed stands first.
/// </summary>
public sealed record RaftEndQuorumEpochRequest(int LeaderId, int LeaderEpoch, IReadOnlyList<int> PreferredSuccessors) : RaftRequest;
