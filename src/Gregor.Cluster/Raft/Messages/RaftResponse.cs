using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft.Messages;

/// <summary>
/// A Raft RPC response; <see cref="Error"/> is the partition-level error (top-level errors such as
/// INCONSISTENT_CLUSTER_ID are mapped onto it by the driver). Every response names the leader and
/// epoch the responder knows, so any exchange can move a stale replica forward.
/// </summary>
public abstract record RaftResponse(ErrorCode Error, int LeaderId, int LeaderEpoch);
