using System.Collections.Immutable;
using Gregor.Broker.Config;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;

namespace Gregor.Broker.Admin;

/// <summary>
/// Describes configs as Kafka 4's ConfigHelper does (createTopicConfigEntry,
/// createBrokerConfigEntry, configSynonyms), from the config catalogue and the layers of
/// <see cref="EffectiveConfigs"/>: a config's synonyms are its broker synonyms
/// (DynamicBrokerConfig.brokerConfigSynonyms) as set in each layer, most specific first —
/// DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG —
/// with everything before the config's own name dropped, as Kafka drops it; a topic override
/// (DYNAMIC_TOPIC_CONFIG) comes first. The source is the first synonym's, else DEFAULT_CONFIG.
/// Stateless apart from what it reads; thread-safe.
/// </summary>
public sealed class ConfigDescriber(IController controller, BrokerConfig config)
{
    /// <summary>One described config.</summary>
    public sealed record Entry(string Name, string? Value, ConfigSource Source, bool ReadOnly, bool IsSensitive, ConfigType Type,
        string? Documentation, IReadOnlyList<Synonym> Synonyms);

    /// <summary>One link of a config's synonym chain.</summary>
    public sealed record Synonym(string Name, string? Value, ConfigSource Source);

    /// <summary>Every topic config of <paramref name="topic"/>, by name.</summary>
    public IEnumerable<Entry> DescribeTopic(TopicImage topic)
    {
        var image = controller.Current;
        var effective = controller.Configs.TopicConfigs(image, topic.Configs);
        return TopicConfigKeys.All.Select(key => TopicEntry(image, key, topic.Configs, effective[key.Name]));
    }

    /// <summary>The source a topic config of these overrides reports (CreateTopics v5+ uses it too).</summary>
    public ConfigSource TopicSource(string name, IReadOnlyDictionary<string, string> overrides) =>
        ConfigCatalogue.FindTopic(name) is { } key
            ? TopicEntry(controller.Current, key, overrides, overrides.GetValueOrDefault(name)).Source
            : ConfigSource.DefaultConfig;

    /// <summary>
    /// This broker's configs (<paramref name="resourceName"/> = its id): every catalogue key and
    /// every other key set; or, for "", the cluster-wide dynamic defaults that are set.
    /// </summary>
    public IEnumerable<Entry> DescribeBroker(string resourceName)
    {
        var image = controller.Current;
        var layers = Layers(image);
        if (resourceName.Length == 0)
        {
            return image.BrokerConfigsOf("").OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => BrokerEntry(layers, p.Key, p.Value, perBroker: false));
        }
        var merged = controller.Configs.BrokerValues(image);
        var names = BrokerConfigKeys.All.Select(k => k.Name).Concat(merged.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return names.Select(name => BrokerEntry(layers, name,
            merged.TryGetValue(name, out var value) ? value.Trim() : ConfigCatalogue.FindBroker(name)?.Default, perBroker: true));
    }

    private Entry TopicEntry(MetadataImage image, ConfigKey key, IReadOnlyDictionary<string, string> overrides, string? value)
    {
        var synonyms = key.BrokerSynonym is { } brokerKey
            ? ConfigSynonyms(Layers(image), brokerKey, perBroker: true)
            : [];
        if (overrides.TryGetValue(key.Name, out var overridden))
        {
            synonyms = [new Synonym(key.Name, overridden, ConfigSource.DynamicTopicConfig), .. synonyms];
        }
        return Hide(new Entry(key.Name, value, synonyms.Count > 0 ? synonyms[0].Source : ConfigSource.DefaultConfig,
            ReadOnly: false, key.IsSensitive, key.Type, key.Documentation, synonyms));
    }

    private static Entry BrokerEntry(Layer[] layers, string name, string? value, bool perBroker)
    {
        var key = ConfigCatalogue.FindBroker(name);
        var synonyms = ConfigSynonyms(layers, name, perBroker);
        return Hide(new Entry(name, value, synonyms.Count > 0 ? synonyms[0].Source : ConfigSource.DefaultConfig,
            ReadOnly: key is not { IsDynamic: true }, key?.IsSensitive ?? LooksSensitive(name), key?.Type ?? ConfigType.Unknown, key?.Documentation, synonyms));
    }

    // Keys outside the catalogue (ssl.*, sasl.*: Kafka types them PASSWORD) are hidden when their
    // name says they hold a secret, so an unknown key never leaks one.
    private static bool LooksSensitive(string name) =>
        name.Contains("password", StringComparison.OrdinalIgnoreCase) || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("jaas.config", StringComparison.OrdinalIgnoreCase);

    // Kafka's ConfigHelper.configSynonyms: each layer in precedence order, each synonym name in
    // priority order, then drop what comes before the name itself (a lower-priority synonym set
    // alone, e.g. log.retention.hours for log.retention.ms, is therefore not reported).
    private static List<Synonym> ConfigSynonyms(Layer[] layers, string name, bool perBroker)
    {
        var names = ConfigCatalogue.BrokerSynonyms(name);
        var all = new List<Synonym>();
        foreach (var layer in layers)
        {
            if (!perBroker && layer.Source != ConfigSource.DynamicDefaultBrokerConfig)
            {
                continue;
            }
            foreach (var synonym in names)
            {
                if (layer.Values.TryGetValue(synonym, out var value))
                {
                    all.Add(new Synonym(synonym, value.Trim(), layer.Source));
                }
            }
        }
        return [.. all.SkipWhile(s => s.Name != name)];
    }

    private Layer[] Layers(MetadataImage image) =>
    [
        new(ConfigSource.DynamicBrokerConfig, image.BrokerConfigsOf(controller.Configs.NodeResourceName)),
        new(ConfigSource.DynamicDefaultBrokerConfig, image.BrokerConfigsOf("")),
        new(ConfigSource.StaticBrokerConfig, config.Values),
        new(ConfigSource.DefaultConfig, StaticDefaults),
    ];

    private static readonly ImmutableDictionary<string, string> StaticDefaults = BrokerConfigKeys.All
        .Where(k => k.Default is not null)
        .ToImmutableDictionary(k => k.Name, k => k.Default!, StringComparer.Ordinal);

    private sealed record Layer(ConfigSource Source, IReadOnlyDictionary<string, string> Values);

    private static Entry Hide(Entry entry) => entry.IsSensitive
        ? entry with { Value = null, Synonyms = [.. entry.Synonyms.Select(s => s with { Value = null })] }
        : entry;
}
