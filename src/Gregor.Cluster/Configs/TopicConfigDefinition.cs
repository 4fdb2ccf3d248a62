namespace Gregor.Cluster.Configs;

/// <summary>
/// A topic-level config Kafka knows: its type, Kafka's default, the broker config that supplies
/// the default when set (its synonym, e.g. retention.ms ← log.retention.ms), and the check a
/// value must pass (returns an error message or null).
/// </summary>
public sealed record TopicConfigDefinition(
    string Name,
    ConfigType Type,
    string DefaultValue,
    string? BrokerSynonym,
    Func<string, string?>? Validate = null,
    bool IsSensitive = false);
