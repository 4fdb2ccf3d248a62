using System.Collections.Frozen;
using System.Globalization;

namespace Gregor.Cluster.Configs;

/// <summary>
/// The one config catalogue (Kafka's ConfigDef + ServerTopicConfigSynonyms): every broker key
/// (<see cref="BrokerConfigKeys"/>) and topic key (<see cref="TopicConfigKeys"/>) by name, their
/// validation with Kafka's messages, and the rules that tie them together — which broker key
/// sets a topic key's default and how a broker key is resolved from its synonyms
/// (log.retention.ms ← log.retention.minutes ← log.retention.hours). Immutable and thread-safe.
/// </summary>
public static class ConfigCatalogue
{
    public static readonly FrozenDictionary<string, ConfigKey> Broker =
        BrokerConfigKeys.All.ToFrozenDictionary(k => k.Name, StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, ConfigKey> Topic =
        TopicConfigKeys.All.ToFrozenDictionary(k => k.Name, StringComparer.Ordinal);

    // A lower-priority synonym (log.retention.hours) → the key it fills in for (log.retention.ms).
    private static readonly FrozenDictionary<string, ConfigKey> SynonymOwners = BrokerConfigKeys.All
        .SelectMany(k => k.Synonyms.Select(s => (s.Name, Owner: k)))
        .ToFrozenDictionary(p => p.Name, p => p.Owner, StringComparer.Ordinal);

    public static ConfigKey? FindBroker(string name) => Broker.GetValueOrDefault(name);

    public static ConfigKey? FindTopic(string name) => Topic.GetValueOrDefault(name);

    /// <summary>
    /// Checks one topic config; the INVALID_CONFIG message or null when valid. A null value is
    /// invalid (topic configs cannot be set to null).
    /// </summary>
    public static string? ValidateTopic(string name, string? value)
    {
        if (!Topic.TryGetValue(name, out var key))
        {
            return $"Unknown topic config name: {name}";
        }
        return value is null ? $"Null value not supported for topic configs: {name}" : key.Validate(value);
    }

    /// <summary>
    /// Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that set the same value as
    /// <paramref name="brokerKey"/>, highest priority first (log.retention.ms, .minutes, .hours);
    /// just the key itself when it has none.
    /// </summary>
    public static IReadOnlyList<string> BrokerSynonyms(string brokerKey)
    {
        var owner = SynonymOwners.GetValueOrDefault(brokerKey) ?? Broker.GetValueOrDefault(brokerKey);
        return owner is { Synonyms.Count: > 0 } ? [owner.Name, .. owner.Synonyms.Select(s => s.Name)] : [brokerKey];
    }

    /// <summary>
    /// The value of <paramref name="key"/> as a broker with these (validated) settings runs it:
    /// its own value, else its first set synonym converted to its unit, else its default, else
    /// its synonyms' defaults; null when there is none (cluster.id, advertised.listeners).
    /// </summary>
    public static string? ResolveBroker(ConfigKey key, IReadOnlyDictionary<string, string> values)
    {
        if (values.TryGetValue(key.Name, out var own))
        {
            return own.Trim();
        }
        foreach (var synonym in key.Synonyms)
        {
            if (values.TryGetValue(synonym.Name, out var value) && Convert(value, synonym.Factor) is { } converted)
            {
                return converted;
            }
        }
        if (key.Default is not null)
        {
            return key.Default;
        }
        foreach (var synonym in key.Synonyms)
        {
            if (Broker.GetValueOrDefault(synonym.Name)?.Default is { } fallback)
            {
                return Convert(fallback, synonym.Factor);
            }
        }
        return null;
    }

    /// <summary>
    /// Every topic config's default under these broker settings: the resolved value of its
    /// broker synonym, or Kafka's topic default when it has none.
    /// </summary>
    public static Dictionary<string, string> TopicDefaults(IReadOnlyDictionary<string, string> brokerValues)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in TopicConfigKeys.All)
        {
            result[key.Name] = (key.BrokerSynonym is { } synonym && Broker.TryGetValue(synonym, out var brokerKey)
                ? ResolveBroker(brokerKey, brokerValues)
                : null) ?? key.Default!;
        }
        return result;
    }

    /// <summary>The topic config whose default <paramref name="brokerKey"/> (or one of its synonyms) sets, if any.</summary>
    public static ConfigKey? TopicKeyFor(string brokerKey)
    {
        var primary = SynonymOwners.GetValueOrDefault(brokerKey)?.Name ?? brokerKey;
        return TopicConfigKeys.All.FirstOrDefault(t => t.BrokerSynonym == primary);
    }

    /// <summary>Splits a LIST value as Kafka does: comma separated, trimmed, empty items dropped.</summary>
    public static List<string> SplitList(string value) =>
        [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>
    /// IncrementalAlterConfigs' APPEND (items not already present) or SUBTRACT on a LIST value,
    /// as Kafka applies them; returns the new comma-separated value.
    /// </summary>
    public static string ApplyListOperation(string current, ConfigOperation operation, string? operand)
    {
        var items = SplitList(current);
        var operands = SplitList(operand ?? "");
        if (operation == ConfigOperation.Append)
        {
            items.AddRange(operands.Where(o => !items.Contains(o)));
        }
        else
        {
            items.RemoveAll(operands.Contains);
        }
        return string.Join(',', items);
    }

    // Kafka keeps a negative retention (-1 = forever) negative whatever the unit.
    private static string? Convert(string value, long factor)
    {
        if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return null;
        }
        var converted = parsed < 0 && factor > 1 ? -1
            : parsed > long.MaxValue / factor ? long.MaxValue
            : parsed * factor;
        return converted.ToString(CultureInfo.InvariantCulture);
    }
}
