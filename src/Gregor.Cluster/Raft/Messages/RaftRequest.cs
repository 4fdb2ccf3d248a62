namespace Gregor.Cluster.Raft.Messages;

/// <summary>
/// A Raft RPC request for the single metadata partition (<c>__cluster_metadata-0</c>, topic id
/// <c>AAAAAAAAAAAAAAAAAAAAAQ</c>), field for field what Kafka's wire request carries for it; the
/// production driver converts to and from <c>Gregor.Protocol.Generated</c> classes.
/// </summary>
public abstract record RaftRequest
{
    /// <summary>ClusterId of the sender's quorum (checked by the receiver; null = not sent).</summary>
    public string? ClusterId { get; init; }
}
