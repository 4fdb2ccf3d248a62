namespace Gregor.Broker.Shares;

/// <summary>A partition named by its topic's id and name, as share group assignments carry it.</summary>
public readonly record struct TopicIdPartition(Guid TopicId, string Topic, int Partition);
