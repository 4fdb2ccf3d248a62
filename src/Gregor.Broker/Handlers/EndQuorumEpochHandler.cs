using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>EndQuorumEpoch (API 54, v0-1): the leader resigns; handed to this node's Raft replica.</summary>
public sealed class EndQuorumEpochHandler(QuorumNode quorum) : ApiHandler<EndQuorumEpochRequest, EndQuorumEpochResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override async ValueTask<EndQuorumEpochResponse?> HandleAsync(RequestContext context, EndQuorumEpochRequest request, CancellationToken cancellationToken)
    {
        if (RaftRequestGate.Refuse(quorum, request.ClusterId) is { } error)
        {
            return new EndQuorumEpochResponse { ErrorCode = (short)error };
        }
        var raft = RaftWire.FromWire(request);
        var response = await quorum.Driver!.HandleRequestAsync(raft.LeaderId, raft, cancellationToken).ConfigureAwait(false);
        return response is RaftEndQuorumEpochResponse end ? RaftWire.ToWire(end) : new EndQuorumEpochResponse { ErrorCode = (short)response.Error };
    }
}
