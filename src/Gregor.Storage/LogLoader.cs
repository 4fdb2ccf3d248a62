using System.Globalization;
using Gregor.Protocol;
using Gregor.Storage.Segments;
using Microsoft.Extensions.Logging;

namespace Gregor.Storage;

/// <summary>
/// Opens a partition directory: finishes or rolls back interrupted compaction swaps, removes
/// leftovers (*.deleted, *.cleaned, temp files), opens the segments and, unless the previous
/// close left the clean-shutdown marker, validates every batch from the recovery point on,
/// cutting the log after the last valid batch (a torn write or a corrupt byte) and deleting any
/// later segment. Indexes that are missing or fail their sanity check are rebuilt.
/// <para>Clean-shutdown marker: the file ".gregor_cleanshutdown" in the partition directory,
/// one line holding the log start offset (e.g. "0"). Written last by a clean close, deleted
/// first thing on open, so its presence proves nothing was written after the close.</para>
/// Stateless; used once per open.
/// </summary>
internal static class LogLoader
{
    public const string CleanShutdownFile = ".gregor_cleanshutdown";

    public sealed record Loaded(List<LogSegment> Segments, long LogStartOffset, bool WasClean, long TruncatedBytes);

    public static Loaded Load(string directory, TopicPartition tp, LogConfig config, long recoveryPoint, long logStartOffsetHint, long nowMs, ILogger logger,
        SegmentFileBudget? budget = null)
    {
        Directory.CreateDirectory(directory);
        var markerPath = Path.Combine(directory, CleanShutdownFile);
        var clean = false;
        if (File.Exists(markerPath))
        {
            clean = true;
            if (long.TryParse(File.ReadAllText(markerPath).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var start))
            {
                logStartOffsetHint = Math.Max(logStartOffsetHint, start);
            }
            File.Delete(markerPath);
            DirectorySync.Fsync(directory);
        }

        CleanLeftovers(directory);
        var baseOffsets = new List<long>();
        foreach (var file in Directory.EnumerateFiles(directory, "*" + SegmentFileNames.LogSuffix))
        {
            if (SegmentFileNames.TryParseOffset(Path.GetFileName(file), SegmentFileNames.LogSuffix, out var offset))
            {
                baseOffsets.Add(offset);
            }
        }
        baseOffsets.Sort();

        var segments = new List<LogSegment>(baseOffsets.Count);
        try
        {
            var cut = false;
            long truncatedBytes = 0;
            for (var i = 0; i < baseOffsets.Count; i++)
            {
                var baseOffset = baseOffsets[i];
                if (cut)
                {
                    truncatedBytes += new FileInfo(SegmentFileNames.PathOf(directory, baseOffset, SegmentFileNames.LogSuffix)).Length;
                    DeleteSegmentFiles(directory, baseOffset);
                    StorageLog.SegmentDroppedOnRecovery(logger, tp, baseOffset);
                    continue;
                }
                var nextBase = i + 1 < baseOffsets.Count ? baseOffsets[i + 1] : long.MaxValue;
                var trusted = clean || nextBase <= recoveryPoint;
                var segment = LogSegment.Open(directory, baseOffset, config.SegmentIndexBytes, config.IndexIntervalBytes, nowMs, budget);
                segments.Add(segment);
                if (!trusted)
                {
                    var before = segment.FileLength();
                    var valid = segment.Recover(config.IndexIntervalBytes, out var problem);
                    if (valid < before || problem is not null)
                    {
                        StorageLog.SegmentTruncatedOnRecovery(logger, tp, baseOffset, before, valid, problem ?? "trailing bytes");
                        StorageMetrics.RecoveryTruncatedBytes.Add(before - valid);
                        truncatedBytes += before - valid;
                        cut = true;
                    }
                }
                if (segment.NextOffset > nextBase)
                {
                    // The next segment overlaps this one: only the first is trusted.
                    cut = true;
                }
            }
            // Drop empty non-active segments at the tail that a cut may have left behind.
            while (segments.Count > 1 && segments[^1].Size == 0 && segments[^2].NextOffset > segments[^1].BaseOffset)
            {
                var empty = segments[^1];
                segments.RemoveAt(segments.Count - 1);
                empty.Dispose();
                DeleteSegmentFiles(directory, empty.BaseOffset);
            }
            if (segments.Count == 0)
            {
                segments.Add(LogSegment.Create(directory, Math.Max(0, logStartOffsetHint), config.SegmentIndexBytes, nowMs, budget));
            }
            if (!clean)
            {
                foreach (var segment in segments)
                {
                    if (segment.NextOffset > recoveryPoint || segment == segments[^1])
                    {
                        segment.Flush();
                    }
                }
                DirectorySync.Fsync(directory);
            }
            var logStart = Math.Max(logStartOffsetHint, segments[0].BaseOffset);
            logStart = Math.Min(logStart, segments[^1].NextOffset);
            return new Loaded(segments, logStart, clean, truncatedBytes);
        }
        catch
        {
            foreach (var segment in segments)
            {
                segment.Dispose();
            }
            throw;
        }
    }

    /// <summary>Completes interrupted swaps and removes files a crash may have left.</summary>
    private static void CleanLeftovers(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory).ToList())
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(SegmentFileNames.DeletedSuffix, StringComparison.Ordinal)
                || name.EndsWith(SegmentFileNames.CleanedSuffix, StringComparison.Ordinal)
                || name.EndsWith(".tmp", StringComparison.Ordinal)
                || name.EndsWith(SegmentFileNames.IndexSuffix + SegmentFileNames.SwapSuffix, StringComparison.Ordinal)
                || name.EndsWith(SegmentFileNames.TimeIndexSuffix + SegmentFileNames.SwapSuffix, StringComparison.Ordinal))
            {
                File.Delete(file);
            }
        }
        foreach (var file in Directory.EnumerateFiles(directory, "*" + SegmentFileNames.LogSuffix + SegmentFileNames.SwapSuffix).ToList())
        {
            // A complete compaction output: it replaces the original segment of that base offset.
            var logName = Path.GetFileName(file)[..^SegmentFileNames.SwapSuffix.Length];
            if (SegmentFileNames.TryParseOffset(logName, SegmentFileNames.LogSuffix, out var baseOffset))
            {
                DeleteSegmentFiles(directory, baseOffset);
                File.Move(file, Path.Combine(directory, logName));
            }
            else
            {
                File.Delete(file);
            }
        }
        foreach (var suffix in new[] { SegmentFileNames.IndexSuffix, SegmentFileNames.TimeIndexSuffix })
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*" + suffix).ToList())
            {
                if (SegmentFileNames.TryParseOffset(Path.GetFileName(file), suffix, out var offset)
                    && !File.Exists(SegmentFileNames.PathOf(directory, offset, SegmentFileNames.LogSuffix)))
                {
                    File.Delete(file);
                }
            }
        }
    }

    public static void DeleteSegmentFiles(string directory, long baseOffset)
    {
        foreach (var suffix in new[] { SegmentFileNames.LogSuffix, SegmentFileNames.IndexSuffix, SegmentFileNames.TimeIndexSuffix })
        {
            File.Delete(SegmentFileNames.PathOf(directory, baseOffset, suffix));
        }
    }
}
