using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft.Messages;

public sealed record RaftDescribeQuorumResponse(ErrorCode Error, int LeaderId, int LeaderEpoch, long HighWatermark,
    IReadOnlyList<RaftReplicaState> CurrentVoters, IReadOnlyList<RaftReplicaState> Observers)
    : RaftResponse(Error, LeaderId, LeaderEpoch);
