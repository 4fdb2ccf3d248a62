using System.Diagnostics.Metrics;

namespace Gregor.Storage;

/// <summary>
/// The storage engine's metrics (meter "Gregor.Storage"), exported by the host through
/// System.Diagnostics.Metrics. Process-wide counters; recording is lock-free.
/// </summary>
internal static class StorageMetrics
{
    public const string MeterName = "Gregor.Storage";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> AppendedBytes = Meter.CreateCounter<long>("gregor.storage.append.bytes", "By", "Record batch bytes appended");
    public static readonly Counter<long> AppendedRecords = Meter.CreateCounter<long>("gregor.storage.append.records", "{record}", "Records appended");
    public static readonly Counter<long> DuplicateAppends = Meter.CreateCounter<long>("gregor.storage.append.duplicates", "{batch}", "Idempotent retries answered with the original offsets");
    public static readonly Counter<long> ReadBytes = Meter.CreateCounter<long>("gregor.storage.read.bytes", "By", "Bytes returned by reads as file ranges");
    public static readonly Counter<long> Fsyncs = Meter.CreateCounter<long>("gregor.storage.fsyncs", "{fsync}", "fsync rounds (tag kind: group-commit, flush)");
    public static readonly Histogram<double> GroupCommitDuration = Meter.CreateHistogram<double>("gregor.storage.group_commit.duration", "ms", "Time of one group-commit fsync round");
    public static readonly Counter<long> SegmentsRolled = Meter.CreateCounter<long>("gregor.storage.segments.rolled", "{segment}", "Segments rolled");
    public static readonly Counter<long> SegmentsDeleted = Meter.CreateCounter<long>("gregor.storage.segments.deleted", "{segment}", "Segments deleted by retention, log start offset or truncation");
    public static readonly Counter<long> SegmentsCompacted = Meter.CreateCounter<long>("gregor.storage.segments.compacted", "{segment}", "Segments rewritten by the cleaner");
    /// <summary>Segment files open in the process (all logs), updated by <see cref="Segments.SegmentFileBudget"/>.</summary>
    public static long OpenSegmentFilesTotal;

    public static readonly ObservableUpDownCounter<long> OpenSegmentFiles = Meter.CreateObservableUpDownCounter(
        "gregor.storage.segment_files.open", static () => Volatile.Read(ref OpenSegmentFilesTotal), "{file}",
        "Segment .log/.index/.timeindex files open (capped by gregor.max.open.segment.files per log manager)");
    public static readonly Counter<long> RecoveryTruncatedBytes = Meter.CreateCounter<long>("gregor.storage.recovery.truncated.bytes", "By", "Bytes cut from damaged or torn segment tails on open");
}
