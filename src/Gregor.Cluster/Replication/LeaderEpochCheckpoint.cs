using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Gregor.Cluster.Replication;

/// <summary>
/// Kafka's <c>leader-epoch-checkpoint</c> file format (CheckpointFile, version 0), text only —
/// writing it durably (temporary file, fsync, rename) is the broker's:
/// <code>
/// 0          ← version
/// 2          ← number of entries
/// 0 0        ← "epoch startOffset", one per line
/// 3 1500     ← epoch 3 started at offset 1500
/// </code>
/// Parsing is strict as Kafka's reader is: a wrong version, a count that does not match the
/// lines, a malformed or negative field, or epochs/offsets that do not increase make the file
/// unreadable (the caller then rebuilds the history from the log's batches). Stateless.
/// </summary>
public static class LeaderEpochCheckpoint
{
    public const string FileName = "leader-epoch-checkpoint";
    public const int CurrentVersion = 0;

    /// <summary>Bounds what a parse allocates on a corrupt file: far more epochs than any partition has.</summary>
    public const int MaxEntries = 1_000_000;

    public static string Format(IEnumerable<EpochEntry> entries)
    {
        var list = entries as IReadOnlyCollection<EpochEntry> ?? [.. entries];
        var text = new StringBuilder()
            .Append(CurrentVersion.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(list.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var entry in list)
        {
            text.Append(entry.Epoch.ToString(CultureInfo.InvariantCulture)).Append(' ')
                .Append(entry.StartOffset.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Parses a checkpoint; false (and empty entries) when it is not a valid one.</summary>
    public static bool TryParse(string text, out ImmutableArray<EpochEntry> entries)
    {
        entries = [];
        var lines = text.Split('\n');
        // A trailing newline leaves one empty last element; \r\n files are tolerated.
        var count = lines.Length;
        if (count > 0 && lines[^1].Length == 0)
        {
            count--;
        }
        if (count < 2
            || !int.TryParse(lines[0].TrimEnd('\r'), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || version != CurrentVersion
            || !int.TryParse(lines[1].TrimEnd('\r'), NumberStyles.None, CultureInfo.InvariantCulture, out var expected)
            || expected > MaxEntries
            || count != 2 + expected)
        {
            return false;
        }
        var builder = ImmutableArray.CreateBuilder<EpochEntry>(expected);
        for (var i = 0; i < expected; i++)
        {
            var fields = lines[2 + i].TrimEnd('\r').Split(' ');
            if (fields.Length != 2
                || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                || (builder.Count > 0 && (epoch <= builder[^1].Epoch || start < builder[^1].StartOffset)))
            {
                return false;
            }
            builder.Add(new EpochEntry(epoch, start));
        }
        entries = builder.MoveToImmutable();
        return true;
    }
}
