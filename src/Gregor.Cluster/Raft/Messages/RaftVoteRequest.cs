namespace Gregor.Cluster.Raft.Messages;

/// <summary>
/// Vote (apiKey 52): <see cref="CandidateId"/> asks for a vote in <see cref="CandidateEpoch"/>. With
/// <see cref="PreVote"/> (KIP-996) the epoch is the one the candidate would stand in and the
/// receiver changes no state. <see cref="LastOffsetEpoch"/>/<see cref="LastOffset"/> describe the
/// candidate's log end (exclusive end offset and the epoch of its last batch).
/// </summary>
public sealed record RaftVoteRequest(int CandidateEpoch, int CandidateId, Guid CandidateDirectoryId,
    int VoterId, Guid VoterDirectoryId, int LastOffsetEpoch, long LastOffset, bool PreVote) : RaftRequest;
