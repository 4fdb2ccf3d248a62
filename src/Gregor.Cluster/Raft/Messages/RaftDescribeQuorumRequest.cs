namespace Gregor.Cluster.Raft.Messages;

/// <summary>DescribeQuorum (apiKey 55) for the metadata partition; answered by the leader only.</summary>
public sealed record RaftDescribeQuorumRequest : RaftRequest;
