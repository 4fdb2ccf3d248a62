using System.Collections.Frozen;
using System.Globalization;

namespace Gregor.Cluster.Configs;

/// <summary>
/// The topic configs Kafka 4.x accepts (names, types, defaults and broker synonyms from Kafka's
/// LogConfig / TopicConfig) and their validation: an unknown name or a value of the wrong type
/// or range is INVALID_CONFIG. Immutable and thread-safe.
/// </summary>
public static class TopicConfigCatalogue
{
    private static readonly string[] CleanupPolicies = ["delete", "compact"];
    private static readonly string[] CompressionTypes = ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];
    private static readonly string[] TimestampTypes = ["CreateTime", "LogAppendTime"];

    public static readonly FrozenDictionary<string, TopicConfigDefinition> All = new TopicConfigDefinition[]
    {
        new("cleanup.policy", ConfigType.List, "delete", "log.cleanup.policy", v => ListOf(v, CleanupPolicies)),
        new("compression.type", ConfigType.String, "producer", "compression.type", v => OneOf(v, CompressionTypes)),
        new("compression.gzip.level", ConfigType.Int, "-1", "compression.gzip.level", v => IntIn(v, -1, 9)),
        new("compression.lz4.level", ConfigType.Int, "9", "compression.lz4.level", v => IntIn(v, 1, 17)),
        new("compression.zstd.level", ConfigType.Int, "3", "compression.zstd.level", v => IntIn(v, -131072, 22)),
        new("delete.retention.ms", ConfigType.Long, "86400000", "log.cleaner.delete.retention.ms", v => LongAtLeast(v, 0)),
        new("file.delete.delay.ms", ConfigType.Long, "60000", "log.segment.delete.delay.ms", v => LongAtLeast(v, 0)),
        new("flush.messages", ConfigType.Long, "9223372036854775807", "log.flush.interval.messages", v => LongAtLeast(v, 1)),
        new("flush.ms", ConfigType.Long, "9223372036854775807", "log.flush.interval.ms", v => LongAtLeast(v, 0)),
        new("follower.replication.throttled.replicas", ConfigType.List, "", null, ThrottledReplicas),
        new("index.interval.bytes", ConfigType.Int, "4096", "log.index.interval.bytes", v => IntIn(v, 0, int.MaxValue)),
        new("leader.replication.throttled.replicas", ConfigType.List, "", null, ThrottledReplicas),
        new("local.retention.bytes", ConfigType.Long, "-2", "log.local.retention.bytes", v => LongAtLeast(v, -2)),
        new("local.retention.ms", ConfigType.Long, "-2", "log.local.retention.ms", v => LongAtLeast(v, -2)),
        new("max.compaction.lag.ms", ConfigType.Long, "9223372036854775807", "log.cleaner.max.compaction.lag.ms", v => LongAtLeast(v, 1)),
        new("max.message.bytes", ConfigType.Int, "1048588", "message.max.bytes", v => IntIn(v, 0, int.MaxValue)),
        new("message.timestamp.after.max.ms", ConfigType.Long, "3600000", "log.message.timestamp.after.max.ms", v => LongAtLeast(v, 0)),
        new("message.timestamp.before.max.ms", ConfigType.Long, "9223372036854775807", "log.message.timestamp.before.max.ms", v => LongAtLeast(v, 0)),
        new("message.timestamp.type", ConfigType.String, "CreateTime", "log.message.timestamp.type", v => OneOf(v, TimestampTypes)),
        new("min.cleanable.dirty.ratio", ConfigType.Double, "0.5", "log.cleaner.min.cleanable.ratio", v => DoubleIn(v, 0, 1)),
        new("min.compaction.lag.ms", ConfigType.Long, "0", "log.cleaner.min.compaction.lag.ms", v => LongAtLeast(v, 0)),
        new("min.insync.replicas", ConfigType.Int, "1", "min.insync.replicas", v => IntIn(v, 1, int.MaxValue)),
        new("preallocate", ConfigType.Boolean, "false", "log.preallocate", Boolean),
        new("remote.storage.enable", ConfigType.Boolean, "false", null, Boolean),
        new("retention.bytes", ConfigType.Long, "-1", "log.retention.bytes", v => LongAtLeast(v, long.MinValue)),
        new("retention.ms", ConfigType.Long, "604800000", "log.retention.ms", v => LongAtLeast(v, -1)),
        new("segment.bytes", ConfigType.Int, "1073741824", "log.segment.bytes", v => IntIn(v, 14, int.MaxValue)),
        new("segment.index.bytes", ConfigType.Int, "10485760", "log.index.size.max.bytes", v => IntIn(v, 8, int.MaxValue)),
        new("segment.jitter.ms", ConfigType.Long, "0", "log.roll.jitter.ms", v => LongAtLeast(v, 0)),
        new("segment.ms", ConfigType.Long, "604800000", "log.roll.ms", v => LongAtLeast(v, 1)),
        new("unclean.leader.election.enable", ConfigType.Boolean, "false", "unclean.leader.election.enable", Boolean),
    }.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    public static TopicConfigDefinition? Find(string name) => All.GetValueOrDefault(name);

    /// <summary>
    /// Checks one name/value pair; returns the INVALID_CONFIG message or null when valid.
    /// A null value is invalid (topic configs cannot be set to null).
    /// </summary>
    public static string? Validate(string name, string? value)
    {
        if (!All.TryGetValue(name, out var definition))
        {
            return $"Unknown topic config name: {name}";
        }
        if (value is null)
        {
            return $"Null value not supported for topic configs: {name}";
        }
        var error = definition.Validate?.Invoke(value.Trim());
        return error is null ? null : $"Invalid value {value} for configuration {name}: {error}";
    }

    /// <summary>Whether APPEND/SUBTRACT may be applied (only list-typed configs, as in Kafka).</summary>
    public static bool IsList(string name) => All.TryGetValue(name, out var d) && d.Type == ConfigType.List;

    private static string? Boolean(string value) =>
        value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase)
            ? null
            : "Expected value to be either true or false";

    private static string? IntIn(string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return "Not a number of type INT";
        }
        return parsed < min || parsed > max ? $"Value must be in [{min}, {max}]" : null;
    }

    private static string? LongAtLeast(string value, long min)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return "Not a number of type LONG";
        }
        return parsed < min ? $"Value must be at least {min}" : null;
    }

    private static string? DoubleIn(string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || double.IsNaN(parsed))
        {
            return "Not a number of type DOUBLE";
        }
        return parsed < min || parsed > max ? $"Value must be in [{min}, {max}]" : null;
    }

    private static string? OneOf(string value, string[] allowed) =>
        Array.IndexOf(allowed, value) >= 0 ? null : $"String must be one of: {string.Join(", ", allowed)}";

    private static string? ListOf(string value, string[] allowed)
    {
        var items = SplitList(value);
        if (items.Count == 0)
        {
            return "Empty list";
        }
        foreach (var item in items)
        {
            if (Array.IndexOf(allowed, item) < 0)
            {
                return $"List values must be in: {string.Join(", ", allowed)}";
            }
        }
        return null;
    }

    // "*" or "partition:broker,..." as Kafka's ThrottledReplicaListValidator.
    private static string? ThrottledReplicas(string value)
    {
        var items = SplitList(value);
        if (items.Count == 1 && items[0] == "*")
        {
            return null;
        }
        foreach (var item in items)
        {
            var parts = item.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[0], out _) || !int.TryParse(parts[1], out _))
            {
                return "must be the literal '*' or a list of replicas in the format [PartitionId]:[BrokerId],...";
            }
        }
        return null;
    }

    /// <summary>Splits a LIST config value as Kafka does: comma separated, trimmed, empty items dropped.</summary>
    public static List<string> SplitList(string value) =>
        [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}
