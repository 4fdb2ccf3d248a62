namespace Gregor.Cluster.Raft.Messages;

/// <summary>BeginQuorumEpoch (apiKey 53): the new leader tells a voter it leads <see cref="LeaderEpoch"/>.</summary>
public sealed record RaftBeginQuorumEpochRequest(int LeaderId, int LeaderEpoch, int VoterId, Guid VoterDirectoryId) : RaftRequest;
