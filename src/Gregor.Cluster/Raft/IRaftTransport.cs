using Gregor.Cluster.Raft.Messages;

namespace Gregor.Cluster.Raft;

/// <summary>
/// The network as the Raft core sees it: fire-and-forget sends. Responses and inbound requests
/// come back as events on the core (<see cref="RaftReplica.HandleResponse"/>,
/// <see cref="RaftReplica.HandleRequest"/>) on the core's thread, matched by correlation id. Any
/// message may be lost, delayed, duplicated or reordered: the core times out and retries.
/// A production driver enqueues onto a connection and returns at once.
/// </summary>
public interface IRaftTransport
{
    void SendRequest(int destinationId, long correlationId, RaftRequest request);

    /// <summary>Answers the inbound request <paramref name="correlationId"/> from <paramref name="destinationId"/>.</summary>
    void SendResponse(int destinationId, long correlationId, RaftResponse response);
}
