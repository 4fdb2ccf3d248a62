using System.Globalization;

namespace Gregor.Storage.Segments;

/// <summary>
/// Kafka's file naming: a segment is named by its base offset as 20 zero-padded digits, so a
/// directory listing sorts by offset: 00000000000000368769.log, .index, .timeindex; producer
/// state snapshots are &lt;offset&gt;.snapshot. Suffixes mark files in transition: .cleaned
/// (compaction output being written), .swap (compaction output complete, replacing the
/// original), .deleted (removed from the log, unlinked after file.delete.delay.ms).
/// </summary>
internal static class SegmentFileNames
{
    public const string LogSuffix = ".log";
    public const string IndexSuffix = ".index";
    public const string TimeIndexSuffix = ".timeindex";
    public const string SnapshotSuffix = ".snapshot";
    public const string DeletedSuffix = ".deleted";
    public const string CleanedSuffix = ".cleaned";
    public const string SwapSuffix = ".swap";

    public static string Name(long offset, string suffix) => offset.ToString("D20", CultureInfo.InvariantCulture) + suffix;

    public static string PathOf(string directory, long offset, string suffix) => Path.Combine(directory, Name(offset, suffix));

    /// <summary>Parses "00000000000000000042.log" with the given suffix into 42.</summary>
    public static bool TryParseOffset(string fileName, string suffix, out long offset)
    {
        offset = -1;
        if (!fileName.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }
        var digits = fileName.AsSpan(0, fileName.Length - suffix.Length);
        return digits.Length == 20 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out offset);
    }
}
