namespace Gregor.Capture.Spec;

/// <summary>
/// A version range as the Kafka JSON specs write it: "0+", "3-5", "7" or "none".
/// Immutable; safe to share.
/// </summary>
internal readonly record struct VersionRange(short Min, short Max)
{
    public static readonly VersionRange None = new(1, 0);

    public bool IsEmpty => Min > Max;

    public bool Contains(short version) => version >= Min && version <= Max;

    public static VersionRange Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text == "none")
        {
            return None;
        }
        if (text.EndsWith('+'))
        {
            return new VersionRange(short.Parse(text[..^1]), short.MaxValue);
        }
        var dash = text.IndexOf('-');
        return dash < 0
            ? new VersionRange(short.Parse(text), short.Parse(text))
            : new VersionRange(short.Parse(text[..dash]), short.Parse(text[(dash + 1)..]));
    }
}
