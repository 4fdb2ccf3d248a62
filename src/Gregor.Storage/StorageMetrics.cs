using System.Diagnostics.Metrics;

namespace Gregor.Storage;

/// <summary>
/// The storage engine's metrics (meter "Gregor.Storage"; names and units: docs/metrics.md).
/// The one static meter in Gregor, on purpose: storage state they count is process-wide (the
/// open-segment-file total is shared by every <see cref="LogManager"/>), the engine is built
/// outside DI by tools and the crash-test child as well as by the broker, and the counters sit
/// on the append and read hot paths where a per-instance lookup would cost a field load through
/// every segment. Everything else takes its meter from <c>IMeterFactory</c>. Recording is lock-free.
/// </summary>
internal static class StorageMetrics
{
    public const string MeterName = "Gregor.Storage";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> AppendedBytes = Meter.CreateCounter<long>("gregor.storage.bytes.appended", "By", "Record batch bytes appended");
    public static readonly Counter<long> AppendedRecords = Meter.CreateCounter<long>("gregor.storage.records.appended", "{record}", "Records appended");
    public static readonly Counter<long> DuplicateAppends = Meter.CreateCounter<long>("gregor.storage.batches.duplicate", "{batch}", "Idempotent retries answered with the original offsets");
    public static readonly Counter<long> Fsyncs = Meter.CreateCounter<long>("gregor.storage.fsyncs", "{fsync}", "fsync rounds, by kind (group-commit, flush)");
    public static readonly Counter<long> ReadBytes = Meter.CreateCounter<long>("gregor.storage.bytes.read", "By", "Bytes returned by reads as file ranges");
    public static readonly Histogram<double> GroupCommitDuration = Meter.CreateHistogram<double>("gregor.storage.group_commit.duration", "s", "Time of one group-commit fsync round");
    public static readonly Histogram<double> FlushDuration = Meter.CreateHistogram<double>("gregor.storage.flush.duration", "s", "Time of one flush (fsync of segments, indexes and directory up to an offset: flush.ms, flush.messages, roll, close)");
    public static readonly Counter<long> SegmentsRolled = Meter.CreateCounter<long>("gregor.storage.segments.rolled", "{segment}", "Segments rolled");
    public static readonly Counter<long> SegmentsDeleted = Meter.CreateCounter<long>("gregor.storage.segments.deleted", "{segment}", "Segments deleted by retention, log start offset or truncation");
    public static readonly Counter<long> SegmentsCompacted = Meter.CreateCounter<long>("gregor.storage.segments.compacted", "{segment}", "Segments rewritten by the cleaner");
    /// <summary>Segment files open in the process (all logs), updated by <see cref="Segments.SegmentFileBudget"/>.</summary>
    public static long OpenSegmentFilesTotal;

    public static readonly ObservableUpDownCounter<long> OpenSegmentFiles = Meter.CreateObservableUpDownCounter(
        "gregor.storage.segment_files.open", static () => Volatile.Read(ref OpenSegmentFilesTotal), "{file}",
        "Segment .log/.index/.timeindex files open (capped by gregor.max.open.segment.files per log manager)");
    public static readonly Counter<long> RecoveryTruncatedBytes = Meter.CreateCounter<long>("gregor.storage.bytes.truncated", "By", "Bytes cut from damaged or torn segment tails on open");
}
