using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>FetchSnapshot (API 59, v0-1): a chunk of a metadata snapshot for a replica too far behind; handed to this node's Raft replica.</summary>
public sealed class FetchSnapshotHandler(QuorumNode quorum) : ApiHandler<FetchSnapshotRequest, FetchSnapshotResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 1;

    protected override async ValueTask<FetchSnapshotResponse?> HandleAsync(RequestContext context, FetchSnapshotRequest request, CancellationToken cancellationToken)
    {
        if (RaftRequestGate.Refuse(quorum, request.ClusterId) is { } error)
        {
            return new FetchSnapshotResponse { ErrorCode = (short)error };
        }
        var raft = RaftWire.FromWire(request);
        var response = await quorum.Driver!.HandleRequestAsync(raft.ReplicaId, raft, cancellationToken).ConfigureAwait(false);
        return response is RaftFetchSnapshotResponse snapshot ? RaftWire.ToWire(snapshot) : new FetchSnapshotResponse { ErrorCode = (short)response.Error };
    }
}
