namespace Gregor.Cluster.Raft;

/// <summary>
/// The payload of a control batch in the Raft log (Kafka's control records, key type in
/// <see cref="Type"/>). A control batch holds exactly one control record and takes one offset.
/// </summary>
public abstract record RaftControlRecord
{
    public abstract RaftControlRecordType Type { get; }
}
