using System.Globalization;
using Gregor.Broker.Config;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;

namespace Gregor.Broker.Admin;

/// <summary>
/// Describes configs as DescribeConfigs reports them: every topic config with its effective
/// value and source (the topic's override = DYNAMIC_TOPIC_CONFIG, a broker-level setting =
/// STATIC_BROKER_CONFIG, else DEFAULT_CONFIG) and the synonyms chain in Kafka's precedence
/// order; and this broker's configs (explicitly set keys, then the main keys' defaults).
/// Stateless apart from the config it reads; thread-safe.
/// </summary>
public sealed class ConfigDescriber(IController controller, BrokerConfig config)
{
    /// <summary>One described config.</summary>
    public sealed record Entry(string Name, string? Value, ConfigSource Source, bool IsSensitive, ConfigType Type, IReadOnlyList<Synonym> Synonyms);

    /// <summary>One link of a config's synonym chain.</summary>
    public sealed record Synonym(string Name, string? Value, ConfigSource Source);

    public IEnumerable<Entry> DescribeTopic(TopicImage topic)
    {
        var defaults = TopicConfigDefaults.FromBrokerConfig(config);
        foreach (var definition in TopicConfigCatalogue.All.Values.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            var synonyms = new List<Synonym>();
            if (topic.Configs.TryGetValue(definition.Name, out var overridden))
            {
                synonyms.Add(new Synonym(definition.Name, overridden, ConfigSource.DynamicTopicConfig));
            }
            var keys = TopicConfigDefaults.SynonymKeys(definition);
            foreach (var key in keys.Where(config.Values.ContainsKey))
            {
                synonyms.Add(new Synonym(key, config.Values[key], ConfigSource.StaticBrokerConfig));
            }
            if (keys.Count > 0)
            {
                synonyms.Add(new Synonym(keys[0], definition.DefaultValue, ConfigSource.DefaultConfig));
            }
            var value = overridden ?? defaults.GetValueOrDefault(definition.Name) ?? controller.DefaultTopicConfigValue(definition);
            var source = overridden is not null ? ConfigSource.DynamicTopicConfig
                : TopicConfigDefaults.IsStaticallyConfigured(config, definition) ? ConfigSource.StaticBrokerConfig
                : ConfigSource.DefaultConfig;
            yield return Hide(new Entry(definition.Name, value, source, definition.IsSensitive, definition.Type, synonyms));
        }
    }

    public IEnumerable<Entry> DescribeBroker()
    {
        var entries = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (key, value) in config.Values)
        {
            entries[key] = Hide(new Entry(key, value, ConfigSource.StaticBrokerConfig, IsSensitiveKey(key), TypeOf(key),
                [new Synonym(key, value, ConfigSource.StaticBrokerConfig)]));
        }
        foreach (var (key, value) in CoreDefaults())
        {
            if (!entries.ContainsKey(key))
            {
                entries[key] = new Entry(key, value, ConfigSource.DefaultConfig, false, TypeOf(key), [new Synonym(key, value, ConfigSource.DefaultConfig)]);
            }
        }
        foreach (var definition in TopicConfigCatalogue.All.Values)
        {
            var keys = TopicConfigDefaults.SynonymKeys(definition);
            if (keys.Count > 0 && !keys.Any(entries.ContainsKey))
            {
                entries[keys[0]] = new Entry(keys[0], definition.DefaultValue, ConfigSource.DefaultConfig, false, definition.Type,
                    [new Synonym(keys[0], definition.DefaultValue, ConfigSource.DefaultConfig)]);
            }
        }
        return entries.Values;
    }

    private Dictionary<string, string> CoreDefaults() => new(StringComparer.Ordinal)
    {
        ["node.id"] = Format(config.NodeId),
        ["broker.id"] = Format(config.NodeId),
        ["listeners"] = string.Join(',', config.Listeners.Select(l => $"{l.Name}://{l.Host}:{l.Port}")),
        ["log.dirs"] = config.DataDir,
        ["num.partitions"] = Format(config.NumPartitions),
        ["default.replication.factor"] = Format(config.DefaultReplicationFactor),
        ["auto.create.topics.enable"] = config.AutoCreateTopicsEnable ? "true" : "false",
        ["delete.topic.enable"] = config.DeleteTopicEnable ? "true" : "false",
        ["offsets.topic.num.partitions"] = Format(config.OffsetsTopicNumPartitions),
        ["offsets.topic.replication.factor"] = Format(config.OffsetsTopicReplicationFactor),
        ["offsets.retention.minutes"] = Format(config.OffsetsRetentionMinutes),
        ["group.initial.rebalance.delay.ms"] = Format(config.GroupInitialRebalanceDelayMs),
        ["group.min.session.timeout.ms"] = Format(config.GroupMinSessionTimeoutMs),
        ["group.max.session.timeout.ms"] = Format(config.GroupMaxSessionTimeoutMs),
        ["socket.request.max.bytes"] = Format(config.SocketRequestMaxBytes),
    };

    private static ConfigType TypeOf(string key) =>
        TopicConfigCatalogue.All.Values.FirstOrDefault(d => TopicConfigDefaults.SynonymKeys(d).Contains(key))?.Type
        ?? (key.EndsWith(".enable", StringComparison.Ordinal) ? ConfigType.Boolean
            : key is "listeners" or "advertised.listeners" or "log.dirs" ? ConfigType.List
            : key.EndsWith(".ms", StringComparison.Ordinal) || key.EndsWith(".minutes", StringComparison.Ordinal) ? ConfigType.Long
            : ConfigType.String);

    private static bool IsSensitiveKey(string key) => key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase);

    private static Entry Hide(Entry entry) => entry.IsSensitive
        ? entry with { Value = null, Synonyms = [.. entry.Synonyms.Select(s => s with { Value = null })] }
        : entry;

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
