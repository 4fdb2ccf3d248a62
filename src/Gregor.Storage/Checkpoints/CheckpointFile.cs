using System.Globalization;
using Gregor.Protocol;
using Gregor.Storage.Segments;

namespace Gregor.Storage.Checkpoints;

/// <summary>
/// Kafka's text checkpoint format, used for recovery-point-offset-checkpoint,
/// log-start-offset-checkpoint, cleaner-offset-checkpoint (data-directory level) and
/// leader-epoch-checkpoint (partition level):
/// <code>
/// 0                 ← version
/// 2                 ← number of entries
/// orders 0 1532     ← one entry per line, fields separated by one space
/// orders 1 77
/// </code>
/// Written through <see cref="DurableFile"/> (temporary file, fsync, rename, directory fsync), so
/// a crash leaves the old or the new file, never a mix. A file that does not parse reads as missing (the caller
/// falls back to full recovery), never as a crash. Stateless; callers serialise writes.
/// </summary>
internal static class CheckpointFile
{
    public const int Version = 0;

    public static void Write(string path, IEnumerable<string> entries)
    {
        var lines = entries.ToList();
        var text = new System.Text.StringBuilder()
            .Append(Version.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(lines.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }
        DurableFile.WriteAllText(path, text.ToString());
    }

    /// <summary>The entry lines, or null when the file is missing or malformed.</summary>
    public static List<string[]>? Read(string path)
    {
        string[] lines;
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return null;
        }
        if (lines.Length < 2 || lines[0].Trim() != "0" || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || lines.Length < 2 + count)
        {
            return null;
        }
        var entries = new List<string[]>(count);
        for (var i = 0; i < count; i++)
        {
            entries.Add(lines[2 + i].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return entries;
    }

    /// <summary>Reads "&lt;topic&gt; &lt;partition&gt; &lt;offset&gt;" entries; malformed lines are skipped.</summary>
    public static Dictionary<TopicPartition, long> ReadOffsets(string path)
    {
        var result = new Dictionary<TopicPartition, long>();
        foreach (var fields in Read(path) ?? [])
        {
            if (fields.Length == 3
                && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                && long.TryParse(fields[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset))
            {
                result[new TopicPartition(fields[0], partition)] = offset;
            }
        }
        return result;
    }

    public static void WriteOffsets(string path, IEnumerable<KeyValuePair<TopicPartition, long>> offsets) =>
        Write(path, offsets.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key.Topic} {kv.Key.Partition} {kv.Value}")));
}
