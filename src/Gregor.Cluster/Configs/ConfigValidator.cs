using System.Globalization;

namespace Gregor.Cluster.Configs;

/// <summary>
/// The check a key's value must pass after it parsed as the key's type, with Kafka's wording
/// (ConfigDef.Range, ValidString, ValidList) and its description for the docs' "valid values"
/// column. Immutable.
/// </summary>
public sealed class ConfigValidator
{
    private readonly Func<string, string?> _check;

    private ConfigValidator(string description, Func<string, string?> check)
    {
        Description = description;
        _check = check;
    }

    /// <summary>What the docs show as valid values (Kafka's validator toString).</summary>
    public string Description { get; }

    /// <summary>Why <paramref name="value"/> (already of the key's type) is invalid, or null.</summary>
    public string? Check(string value) => _check(value);

    public static ConfigValidator Any { get; } = new("", _ => null);

    public static ConfigValidator AtLeast(long min) => new($"[{Format(min)},...]", v =>
        ParseNumber(v) < min ? $"Value must be at least {Format(min)}" : null);

    public static ConfigValidator Between(long min, long max) => new($"[{Format(min)},...,{Format(max)}]", v =>
        ParseNumber(v) switch
        {
            var n when n < min => $"Value must be at least {Format(min)}",
            var n when n > max => $"Value must be no more than {Format(max)}",
            _ => null,
        });

    public static ConfigValidator Between(double min, double max) => new($"[{Format(min)},...,{Format(max)}]", v =>
        double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) switch
        {
            var n when n < min => $"Value must be at least {Format(min)}",
            var n when n > max => $"Value must be no more than {Format(max)}",
            _ => null,
        });

    /// <summary>One of the given strings (case-sensitive, as Kafka's ValidString).</summary>
    public static ConfigValidator OneOf(params string[] allowed) => new($"[{string.Join(", ", allowed)}]", v =>
        Array.IndexOf(allowed, v) >= 0 ? null : $"String must be one of: {string.Join(", ", allowed)}");

    /// <summary>A non-empty list whose items are each one of the given strings (Kafka's ValidList).</summary>
    public static ConfigValidator ListOf(params string[] allowed) => new($"[{string.Join(", ", allowed)}]", v =>
    {
        var items = ConfigCatalogue.SplitList(v);
        if (items.Count == 0)
        {
            return $"Configuration must not be empty. Valid values include: [{string.Join(", ", allowed)}]";
        }
        if (items.Distinct(StringComparer.Ordinal).Count() != items.Count)
        {
            return "Values must not be duplicated";
        }
        return items.FirstOrDefault(i => Array.IndexOf(allowed, i) < 0) is null
            ? null
            : $"String must be one of: {string.Join(", ", allowed)}";
    });

    /// <summary>"*" or "partition:broker,..." (Kafka's ThrottledReplicaListValidator).</summary>
    public static ConfigValidator ThrottledReplicas { get; } = new("[partitionId]:[brokerId],[partitionId]:[brokerId],...", v =>
    {
        var items = ConfigCatalogue.SplitList(v);
        if (items is ["*"])
        {
            return null;
        }
        foreach (var item in items)
        {
            var parts = item.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out _) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out _))
            {
                return "must be the literal '*' or a list of replicas in the format [PartitionId]:[BrokerId],...";
            }
        }
        return null;
    });

    /// <summary>A custom check with its docs description.</summary>
    public static ConfigValidator Custom(string description, Func<string, string?> check) => new(description, check);

    private static long ParseNumber(string value) => long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
