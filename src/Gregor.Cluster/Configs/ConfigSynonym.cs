namespace Gregor.Cluster.Configs;

/// <summary>
/// A lower-priority broker key that sets the same value as another, in that key's unit after
/// multiplying by <see cref="Factor"/> (log.retention.hours × 3,600,000 = log.retention.ms),
/// as Kafka's ServerTopicConfigSynonyms.
/// </summary>
public sealed record ConfigSynonym(string Name, long Factor = 1);
