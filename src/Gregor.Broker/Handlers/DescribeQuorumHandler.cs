using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeQuorum (API 55, v0-2): the leader's view of the voters and observers (log end, last
/// fetch). On a cluster of one the node answers for itself: the only voter, its log end as the
/// high watermark.
/// </summary>
public sealed class DescribeQuorumHandler(QuorumNode quorum, IController controller) : ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    protected override async ValueTask<DescribeQuorumResponse?> HandleAsync(RequestContext context, DescribeQuorumRequest request, CancellationToken cancellationToken)
    {
        if (!quorum.IsQuorum || quorum.Driver is null)
        {
            var image = controller.Current;
            var self = new RaftReplicaState(image.ControllerId, Guid.Empty, image.Offset + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return RaftWire.ToWire(new RaftDescribeQuorumResponse(Gregor.Protocol.Errors.ErrorCode.None, image.ControllerId,
                controller is QuorumController { Epoch: > 0 } local ? local.Epoch : 1, image.Offset + 1, [self], []));
        }
        var response = await quorum.Driver.HandleRequestAsync(-1, new RaftDescribeQuorumRequest(), cancellationToken).ConfigureAwait(false);
        return response is RaftDescribeQuorumResponse describe ? RaftWire.ToWire(describe) : new DescribeQuorumResponse { ErrorCode = (short)response.Error };
    }
}
