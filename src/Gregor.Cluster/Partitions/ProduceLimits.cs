using System.Globalization;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// What a partition accepts from producers, from its topic configs over the broker defaults:
/// <c>max.message.bytes</c> (batch size), <c>message.timestamp.type</c> (LogAppendTime batches are
/// stamped by storage, so their timestamps are not checked) and
/// <c>message.timestamp.before.max.ms</c> / <c>message.timestamp.after.max.ms</c> (how far a
/// CreateTime batch may lie in the past / future of the broker clock, INVALID_TIMESTAMP otherwise).
/// Immutable; a partition swaps the whole record on a config change.
/// </summary>
public sealed record ProduceLimits(int MaxMessageBytes, bool LogAppendTime, long TimestampBeforeMaxMs, long TimestampAfterMaxMs)
{
    /// <summary>Topic configs layered over <paramref name="defaults"/>; unparsable values keep the default.</summary>
    public static ProduceLimits From(IReadOnlyDictionary<string, string> topicConfigs, ProduceLimits defaults) => new(
        topicConfigs.TryGetValue("max.message.bytes", out var size) && int.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedSize) && parsedSize > 0
            ? parsedSize
            : defaults.MaxMessageBytes,
        topicConfigs.TryGetValue("message.timestamp.type", out var type) ? string.Equals(type, "LogAppendTime", StringComparison.OrdinalIgnoreCase) : defaults.LogAppendTime,
        Long(topicConfigs, "message.timestamp.before.max.ms", defaults.TimestampBeforeMaxMs),
        Long(topicConfigs, "message.timestamp.after.max.ms", defaults.TimestampAfterMaxMs));

    private static long Long(IReadOnlyDictionary<string, string> configs, string name, long fallback) =>
        configs.TryGetValue(name, out var value) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
            ? parsed
            : fallback;
}
