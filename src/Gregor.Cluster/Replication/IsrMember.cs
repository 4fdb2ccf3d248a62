namespace Gregor.Cluster.Replication;

/// <summary>
/// One replica of a proposed ISR as AlterPartition (v3+, KIP-903) carries it: the broker id and
/// the broker epoch the leader saw in that broker's fetches (-1 when unknown, which the
/// controller does not check).
/// </summary>
public readonly record struct IsrMember(int BrokerId, long BrokerEpoch);
