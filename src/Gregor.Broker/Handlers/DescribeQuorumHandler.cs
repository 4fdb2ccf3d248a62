using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DescribeQuorum (API 55, v0-2): the leader's view of the voters and observers (log end, last
/// fetch). On a cluster of one the node answers for itself: the only voter, its log end as the
/// high watermark. A follower asks the leader (over the controller listener) and relays its answer.
/// </summary>
public sealed class DescribeQuorumHandler(BrokerConfig config, QuorumNode quorum, IController controller) : ApiHandler<DescribeQuorumRequest, DescribeQuorumResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 2;

    private static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(5);

    protected override async ValueTask<DescribeQuorumResponse?> HandleAsync(RequestContext context, DescribeQuorumRequest request, CancellationToken cancellationToken)
    {
        if (!quorum.IsQuorum || quorum.Driver is null)
        {
            var image = controller.Current;
            var self = new RaftReplicaState(image.ControllerId, Guid.Empty, image.Offset + 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return RaftWire.ToWire(new RaftDescribeQuorumResponse(ErrorCode.None, image.ControllerId,
                controller is QuorumController { Epoch: > 0 } local ? local.Epoch : 1, image.Offset + 1, [self], []));
        }
        var driver = quorum.Driver;
        var response = await driver.HandleRequestAsync(-1, new RaftDescribeQuorumRequest(), cancellationToken).ConfigureAwait(false);
        if (response.Error == ErrorCode.NotLeaderOrFollower
            && driver.Leader.LeaderId is { } leader && leader != config.NodeId
            && context.ClientId?.StartsWith(KafkaRaftTransport.NodeClientIdPrefix, StringComparison.Ordinal) != true)
        {
            // Only the leader knows every replica's progress: ask it, as a Kafka broker forwards
            // DescribeQuorum to the active controller, so any node answers (a client on the
            // controller listener too, as kafka-metadata-quorum.sh --bootstrap-controller expects).
            // A request another node sent is answered here, never passed on: no forwarding loops.
            var (wire, version) = RaftWire.ToWire(new RaftDescribeQuorumRequest());
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ForwardTimeout);
            try
            {
                if (await driver.Transport.SendAsync(leader, wire, version, timeout.Token).ConfigureAwait(false) is DescribeQuorumResponse forwarded)
                {
                    return forwarded;
                }
            }
            catch (Exception e) when (e is IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // The leader is unreachable: answer with this node's NOT_LEADER_OR_FOLLOWER so the client retries.
            }
        }
        return response is RaftDescribeQuorumResponse describe ? RaftWire.ToWire(describe) : new DescribeQuorumResponse { ErrorCode = (short)response.Error };
    }
}
