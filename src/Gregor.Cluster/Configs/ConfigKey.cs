using System.Globalization;

namespace Gregor.Cluster.Configs;

/// <summary>
/// One config key, defined once (Kafka's ConfigDef.ConfigKey): name, type, default (null = none),
/// validator, importance, scope (read-only / per-broker / cluster-wide / topic) and documentation;
/// a topic key names its broker synonym (the broker key that sets its default), a broker key
/// the lower-priority synonyms that fill in for it (log.retention.hours for log.retention.ms).
/// Immutable.
/// </summary>
public sealed record ConfigKey(
    string Name,
    ConfigType Type,
    string? Default,
    ConfigValidator Validator,
    ConfigImportance Importance,
    ConfigScope Scope,
    string Documentation)
{
    /// <summary>Topic key: the broker key whose value is this key's default (Kafka's TOPIC_CONFIG_SYNONYMS).</summary>
    public string? BrokerSynonym { get; init; }

    /// <summary>Broker key: keys that set it when it is not set itself, in priority order.</summary>
    public IReadOnlyList<ConfigSynonym> Synonyms { get; init; } = [];

    /// <summary>Whether DescribeConfigs hides the value (Kafka: PASSWORD-typed keys).</summary>
    public bool IsSensitive => Type == ConfigType.Password;

    /// <summary>Whether AlterConfigs may change it at runtime.</summary>
    public bool IsDynamic => Scope is ConfigScope.PerBroker or ConfigScope.ClusterWide or ConfigScope.Topic or ConfigScope.Group;

    /// <summary>
    /// Checks one value against the type and the validator; the INVALID_CONFIG message
    /// ("Invalid value x for configuration name: why", Kafka's ConfigException wording) or null.
    /// </summary>
    public string? Validate(string value)
    {
        var trimmed = value.Trim();
        var why = TypeError(trimmed) ?? Validator.Check(trimmed);
        return why is null ? null : $"Invalid value {value} for configuration {Name}: {why}";
    }

    private string? TypeError(string value) => Type switch
    {
        ConfigType.Int => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : "Not a number of type INT",
        ConfigType.Short => short.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : "Not a number of type SHORT",
        ConfigType.Long => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : "Not a number of type LONG",
        ConfigType.Double => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsNaN(d) ? null : "Not a number of type DOUBLE",
        ConfigType.Boolean => value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase)
            ? null
            : "Expected value to be either true or false",
        _ => null,
    };
}
