namespace Gregor.Cluster.Controller;

/// <summary>
/// One broker of a proposed ISR with the broker epoch the leader saw it fetch with
/// (AlterPartition v3 NewIsrWithEpochs, KIP-903); -1 when the leader does not know it, and the
/// controller then skips the epoch check for that member, as Kafka does for v2 requests.
/// </summary>
public readonly record struct IsrMember(int BrokerId, long BrokerEpoch = -1);
