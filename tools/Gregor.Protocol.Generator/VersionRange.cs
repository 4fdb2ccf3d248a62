using System.Globalization;

namespace Gregor.Protocol.Generator;

/// <summary>
/// A spec version range: "3", "0-12", "9+" or "none". <see cref="Highest"/> is
/// <see cref="short.MaxValue"/> for open ranges; an empty range has Lowest greater than Highest.
/// Immutable.
/// </summary>
public readonly record struct VersionRange(short Lowest, short Highest)
{
    public static readonly VersionRange None = new(0, -1);
    public static readonly VersionRange All = new(0, short.MaxValue);

    public bool IsEmpty => Lowest > Highest;

    public bool Contains(short version) => version >= Lowest && version <= Highest;

    public VersionRange Intersect(VersionRange other)
    {
        var lowest = Math.Max(Lowest, other.Lowest);
        var highest = Math.Min(Highest, other.Highest);
        return lowest > highest ? None : new VersionRange((short)lowest, (short)highest);
    }

    public static VersionRange Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text == "none")
        {
            return None;
        }
        text = text.Trim();
        if (text.EndsWith('+'))
        {
            return new VersionRange(short.Parse(text[..^1], CultureInfo.InvariantCulture), short.MaxValue);
        }
        var dash = text.IndexOf('-');
        if (dash < 0)
        {
            var single = short.Parse(text, CultureInfo.InvariantCulture);
            return new VersionRange(single, single);
        }
        return new VersionRange(
            short.Parse(text[..dash], CultureInfo.InvariantCulture),
            short.Parse(text[(dash + 1)..], CultureInfo.InvariantCulture));
    }

    public override string ToString() =>
        IsEmpty ? "none" : Highest == short.MaxValue ? $"{Lowest}+" : Lowest == Highest ? $"{Lowest}" : $"{Lowest}-{Highest}";
}
