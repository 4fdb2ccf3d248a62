using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>BeginQuorumEpoch (API 53, v0-1): a new leader announces its epoch; handed to this node's Raft replica.</summary>
public sealed class BeginQuorumEpochHandler(QuorumNode quorum) : ApiHandler<BeginQuorumEpochRequest, BeginQuorumEpochResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override async ValueTask<BeginQuorumEpochResponse?> HandleAsync(RequestContext context, BeginQuorumEpochRequest request, CancellationToken cancellationToken)
    {
        if (RaftRequestGate.Refuse(quorum, request.ClusterId) is { } error)
        {
            return new BeginQuorumEpochResponse { ErrorCode = (short)error };
        }
        var raft = RaftWire.FromWire(request);
        var response = await quorum.Driver!.HandleRequestAsync(raft.LeaderId, raft, cancellationToken).ConfigureAwait(false);
        return response is RaftBeginQuorumEpochResponse begin ? RaftWire.ToWire(begin) : new BeginQuorumEpochResponse { ErrorCode = (short)response.Error };
    }
}
