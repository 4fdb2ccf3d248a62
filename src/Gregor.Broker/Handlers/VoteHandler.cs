using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>Vote (API 52, v0-2 with KIP-996 PreVote) for the metadata partition: handed to this node's Raft replica.</summary>
public sealed class VoteHandler(QuorumNode quorum) : ApiHandler<VoteRequest, VoteResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override async ValueTask<VoteResponse?> HandleAsync(RequestContext context, VoteRequest request, CancellationToken cancellationToken)
    {
        if (RaftRequestGate.Refuse(quorum, request.ClusterId) is { } error)
        {
            return new VoteResponse { ErrorCode = (short)error };
        }
        var raft = RaftWire.FromWire(request);
        var response = await quorum.Driver!.HandleRequestAsync(raft.CandidateId, raft, cancellationToken).ConfigureAwait(false);
        return response is RaftVoteResponse vote ? RaftWire.ToWire(vote) : new VoteResponse { ErrorCode = (short)response.Error };
    }
}
