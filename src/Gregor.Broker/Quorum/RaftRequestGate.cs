using Gregor.Protocol.Errors;

namespace Gregor.Broker.Quorum;

/// <summary>The checks every inbound Raft RPC passes before it reaches the core: this node runs a quorum, and the sender belongs to this cluster.</summary>
public static class RaftRequestGate
{
    /// <summary>The top-level error to answer with, or null to go on.</summary>
    public static ErrorCode? Refuse(QuorumNode quorum, string? clusterId)
    {
        ArgumentNullException.ThrowIfNull(quorum);
        if (!quorum.IsQuorum || quorum.Driver is null)
        {
            return ErrorCode.NotController; // a cluster of one runs no Raft RPCs
        }
        return clusterId is not null && clusterId != quorum.ClusterId ? ErrorCode.InconsistentClusterId : null;
    }
}
