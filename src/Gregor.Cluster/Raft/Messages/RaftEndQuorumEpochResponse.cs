using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft.Messages;

public sealed record RaftEndQuorumEpochResponse(ErrorCode Error, int LeaderId, int LeaderEpoch)
    : RaftResponse(Error, LeaderId, LeaderEpoch);
