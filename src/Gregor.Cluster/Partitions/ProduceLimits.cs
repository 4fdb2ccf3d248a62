using System.Globalization;
using Gregor.Cluster.Configs;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// What a partition accepts from producers, from its topic configs over the broker defaults:
/// <c>max.message.bytes</c> (batch size), <c>message.timestamp.type</c> (LogAppendTime batches are
/// stamped by storage, so their timestamps are not checked) and
/// <c>message.timestamp.before.max.ms</c> / <c>message.timestamp.after.max.ms</c> (how far a
/// CreateTime batch may lie in the past / future of the broker clock, INVALID_TIMESTAMP otherwise)
/// and <c>cleanup.policy</c> (a compacted topic refuses records without a key).
/// Immutable; a partition swaps the whole record on a config change.
/// </summary>
public sealed record ProduceLimits(int MaxMessageBytes, bool LogAppendTime, long TimestampBeforeMaxMs, long TimestampAfterMaxMs, bool Compacted = false)
{
    /// <summary>Topic configs layered over <paramref name="defaults"/>; values the catalogue rejects keep the default.</summary>
    public static ProduceLimits From(IReadOnlyDictionary<string, string> topicConfigs, ProduceLimits defaults) => new(
        Valid(topicConfigs, TopicConfigKeys.MaxMessageBytes) is { } size ? int.Parse(size, CultureInfo.InvariantCulture) : defaults.MaxMessageBytes,
        Valid(topicConfigs, TopicConfigKeys.MessageTimestampType) is { } type ? type == "LogAppendTime" : defaults.LogAppendTime,
        Valid(topicConfigs, TopicConfigKeys.MessageTimestampBeforeMaxMs) is { } before ? long.Parse(before, CultureInfo.InvariantCulture) : defaults.TimestampBeforeMaxMs,
        Valid(topicConfigs, TopicConfigKeys.MessageTimestampAfterMaxMs) is { } after ? long.Parse(after, CultureInfo.InvariantCulture) : defaults.TimestampAfterMaxMs,
        Valid(topicConfigs, TopicConfigKeys.CleanupPolicy) is { } policy ? IsCompact(policy) : defaults.Compacted);

    /// <summary>Whether a cleanup.policy value (a list such as <c>compact,delete</c>) includes compaction.</summary>
    public static bool IsCompact(string cleanupPolicy)
    {
        foreach (var part in cleanupPolicy.Split(','))
        {
            if (part.Trim().Equals("compact", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    private static string? Valid(IReadOnlyDictionary<string, string> configs, ConfigKey key) =>
        configs.TryGetValue(key.Name, out var value) && key.Validate(value) is null ? value.Trim() : null;
}
