namespace Gregor.Broker.Replication;

/// <summary>A partition of a topic, named the way logs and metrics name it ("orders-3").</summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}-{Partition}";
}
