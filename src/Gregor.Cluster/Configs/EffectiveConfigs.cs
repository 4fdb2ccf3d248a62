using System.Collections.Immutable;
using Gregor.Cluster.Metadata;

namespace Gregor.Cluster.Configs;

/// <summary>
/// The configs one node runs with, layered as Kafka layers them (most specific first): the
/// broker's own dynamic configs (BROKER resource "&lt;node id&gt;"), the cluster-wide dynamic
/// default (BROKER resource ""), the static server.properties values, the catalogue defaults;
/// and each topic's effective configs = its overrides over the topic defaults those broker
/// values give. Dynamic layers come from the metadata image, so every consumer sees a change
/// when the image carrying it is published. Thread-safe (the per-image cache is replaced whole).
/// </summary>
public sealed class EffectiveConfigs(int nodeId, IReadOnlyDictionary<string, string> staticValues)
{
    private Cached? _cached;

    public int NodeId { get; } = nodeId;

    /// <summary>The static broker settings (server.properties, command line, --override).</summary>
    public IReadOnlyDictionary<string, string> Static { get; } = staticValues;

    public string NodeResourceName => NodeId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The broker settings with the dynamic layers of <paramref name="image"/> applied.</summary>
    public IReadOnlyDictionary<string, string> BrokerValues(MetadataImage image) => For(image).BrokerValues;

    /// <summary>Every topic config's default under the broker settings of <paramref name="image"/>.</summary>
    public IReadOnlyDictionary<string, string> TopicDefaults(MetadataImage image) => For(image).TopicDefaults;

    /// <summary>Every topic config's effective value: the topic's override, else the default.</summary>
    public ImmutableDictionary<string, string> TopicConfigs(MetadataImage image, IReadOnlyDictionary<string, string> overrides)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        builder.AddRange(TopicDefaults(image));
        foreach (var (name, value) in overrides)
        {
            builder[name] = value;
        }
        return builder.ToImmutable();
    }

    private Cached For(MetadataImage image)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is not null && ReferenceEquals(cached.Layers, image.BrokerConfigs))
        {
            return cached;
        }
        var merged = new Dictionary<string, string>(Static, StringComparer.Ordinal);
        foreach (var layer in new[] { image.BrokerConfigsOf(""), image.BrokerConfigsOf(NodeResourceName) })
        {
            foreach (var (name, value) in layer)
            {
                merged[name] = value;
            }
        }
        cached = new Cached(image.BrokerConfigs, merged, ConfigCatalogue.TopicDefaults(merged));
        Volatile.Write(ref _cached, cached);
        return cached;
    }

    private sealed record Cached(
        ImmutableDictionary<string, ImmutableDictionary<string, string>> Layers,
        IReadOnlyDictionary<string, string> BrokerValues,
        IReadOnlyDictionary<string, string> TopicDefaults);
}
