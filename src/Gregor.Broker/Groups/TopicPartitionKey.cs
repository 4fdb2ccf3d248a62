namespace Gregor.Broker.Groups;

/// <summary>A topic name and partition index, the key of a committed offset.</summary>
public readonly record struct TopicPartitionKey(string Topic, int Partition);
