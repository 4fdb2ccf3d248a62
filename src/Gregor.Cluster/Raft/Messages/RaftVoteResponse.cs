using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft.Messages;

public sealed record RaftVoteResponse(ErrorCode Error, int LeaderId, int LeaderEpoch, bool VoteGranted)
    : RaftResponse(Error, LeaderId, LeaderEpoch);
