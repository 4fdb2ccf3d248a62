using System.Collections.Concurrent;
using Gregor.Protocol;
using Gregor.Storage.Checkpoints;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Storage;

/// <summary>
/// Owns every partition log under one data directory and the work that is not on the append
/// path: retention, compaction (one cleaner thread), flush.ms flushing, recovery-point /
/// log-start-offset checkpointing, and removal of deleted partitions and segments.
/// <para>Data directory example:
/// <code>
/// data/.lock                               held (flock) while a process uses the directory
/// data/recovery-point-offset-checkpoint    "0\n2\norders 0 1532\norders 1 77\n": fsynced up to here
/// data/log-start-offset-checkpoint         same format: first offset still readable
/// data/cleaner-offset-checkpoint           same format: compaction's first dirty offset
/// data/replication-offset-checkpoint       same format: high watermarks of replicated partitions (written by the broker)
/// data/orders-0/ … data/orders-1/           one folder per partition (see PartitionLog)
/// data/orders-2.5d1c…-delete/              a deleted partition being removed
/// </code></para>
/// Lifecycle: construct (opens and recovers existing partitions), <see cref="Start"/> the
/// background tasks, <see cref="Dispose"/> to stop them and close every log cleanly.
/// Thread-safety: all public members are thread-safe.
/// </summary>
public sealed class LogManager : IDisposable
{
    public const string LockFileName = ".lock";

    /// <summary>The controller's metadata log shares the data dir (as in Kafka) and is not a partition log: never opened here.</summary>
    public const string MetadataLogDirectory = "__cluster_metadata-0";
    public const string RecoveryPointCheckpoint = "recovery-point-offset-checkpoint";
    public const string LogStartOffsetCheckpoint = "log-start-offset-checkpoint";
    public const string CleanerOffsetCheckpoint = "cleaner-offset-checkpoint";
    /// <summary>Kafka's per-log-dir file of replicated partitions' high watermarks (written by the replica manager's owner).</summary>
    public const string ReplicationOffsetCheckpoint = "replication-offset-checkpoint";
    private const string DeleteSuffix = "-delete";

    private readonly ConcurrentDictionary<TopicPartition, PartitionLog> _logs = new();
    private readonly ConcurrentDictionary<TopicPartition, long> _cleanerOffsets;
    private readonly Lock _createLock = new();
    private readonly Lock _checkpointLock = new();
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly FileStream _lockFile;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _background = [];
    private readonly LogCleaner _cleaner;
    private readonly Segments.SegmentFileBudget _fileBudget;
    private bool _disposed;

    /// <summary>
    /// Opens <paramref name="dataDir"/> (creating it), takes its lock and opens every partition
    /// folder in it, recovering those not closed cleanly. Throws <see cref="IOException"/> naming
    /// the directory when it cannot be created, written or locked.
    /// </summary>
    public LogManager(string dataDir, LogConfig defaults, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(dataDir);
        DataDirectory = Path.GetFullPath(dataDir);
        Defaults = defaults ?? LogConfig.Default;
        _fileBudget = new Segments.SegmentFileBudget(Defaults.MaxOpenSegmentFiles);
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("Gregor.Storage.LogManager");
        try
        {
            Directory.CreateDirectory(DataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"data directory {DataDirectory} cannot be created: {e.Message}", e);
        }
        try
        {
            _lockFile = new FileStream(Path.Combine(DataDirectory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"data directory {DataDirectory} is not writable: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new IOException($"data directory {DataDirectory} is in use by another process (cannot lock {LockFileName}): {e.Message}", e);
        }
        _cleaner = new LogCleaner(_logger);
        try
        {
            var recoveryPoints = CheckpointFile.ReadOffsets(Path.Combine(DataDirectory, RecoveryPointCheckpoint));
            var logStarts = CheckpointFile.ReadOffsets(Path.Combine(DataDirectory, LogStartOffsetCheckpoint));
            _cleanerOffsets = new ConcurrentDictionary<TopicPartition, long>(CheckpointFile.ReadOffsets(Path.Combine(DataDirectory, CleanerOffsetCheckpoint)));
            foreach (var dir in Directory.EnumerateDirectories(DataDirectory))
            {
                var name = Path.GetFileName(dir);
                if (name.EndsWith(DeleteSuffix, StringComparison.Ordinal))
                {
                    ScheduleDirectoryRemoval(dir);
                    continue;
                }
                if (name == MetadataLogDirectory)
                {
                    continue;
                }
                if (!TopicPartition.TryParseDirectoryName(name, out var tp))
                {
                    continue;
                }
                var log = PartitionLog.Open(dir, tp, Defaults, _time, _loggers.CreateLogger("Gregor.Storage.PartitionLog"),
                    recoveryPoints.GetValueOrDefault(tp), logStarts.GetValueOrDefault(tp), _fileBudget);
                _logs[tp] = log;
            }
            WriteCheckpoints();
        }
        catch
        {
            foreach (var log in _logs.Values)
            {
                log.Dispose();
            }
            _lockFile.Dispose();
            throw;
        }
    }

    public string DataDirectory { get; }

    /// <summary>Config for partitions found on disk before the broker supplies their topic config.</summary>
    public LogConfig Defaults { get; }

    /// <summary>
    /// Cap on segment files held open by all partitions of this manager (from
    /// <c>gregor.max.open.segment.files</c> in <see cref="Defaults"/>, 1024); idle non-active
    /// segments are closed, least recently used first, and reopen on their next read. Lowering it
    /// takes effect at the next open.
    /// </summary>
    public int MaxOpenSegmentFiles
    {
        get => _fileBudget.MaxOpenFiles;
        set => _fileBudget.MaxOpenFiles = value;
    }

    /// <summary>Segment files open now across this manager's partitions (also the gregor.storage.segment_files.open metric, process-wide).</summary>
    public int OpenSegmentFiles => _fileBudget.OpenFiles;

    /// <summary>log.retention.check.interval.ms (Kafka: 5 minutes).</summary>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often flush.ms is checked (Kafka's log.flush.scheduler.interval.ms).</summary>
    public TimeSpan FlushCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>log.flush.offset.checkpoint.interval.ms (Kafka: 60 s).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>log.cleaner.backoff.ms (Kafka: 15 s).</summary>
    public TimeSpan CleanerBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Upper bound of keys the cleaner tracks per pass (its memory bound: ~40 bytes each).</summary>
    public int CleanerMaxKeys
    {
        get => _cleaner.MaxKeys;
        set => _cleaner.MaxKeys = value;
    }

    public IReadOnlyCollection<PartitionLog> All => [.. _logs.Values];

    public PartitionLog? Get(TopicPartition tp) => _logs.GetValueOrDefault(tp);

    /// <summary>The partition's log, created (empty) if missing; an existing log takes <paramref name="config"/>.</summary>
    public PartitionLog GetOrCreate(TopicPartition tp, LogConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_logs.TryGetValue(tp, out var existing))
        {
            if (existing.Config != config)
            {
                existing.UpdateConfig(config);
            }
            return existing;
        }
        lock (_createLock)
        {
            if (_logs.TryGetValue(tp, out existing))
            {
                if (existing.Config != config)
                {
                    existing.UpdateConfig(config);
                }
                return existing;
            }
            var log = PartitionLog.Open(Path.Combine(DataDirectory, tp.DirectoryName), tp, config, _time,
                _loggers.CreateLogger("Gregor.Storage.PartitionLog"), recoveryPoint: 0, logStartOffset: 0, _fileBudget);
            Segments.DirectorySync.Fsync(DataDirectory); // the new partition folder's entry
            _logs[tp] = log;
            return log;
        }
    }

    /// <summary>
    /// Removes the partition: closes its log, renames its folder to
    /// "&lt;topic&gt;-&lt;partition&gt;.&lt;uuid&gt;-delete" and deletes that folder in the background.
    /// </summary>
    public void Delete(TopicPartition tp)
    {
        lock (_createLock)
        {
            if (!_logs.TryRemove(tp, out var log))
            {
                return;
            }
            log.Close();
            var target = Path.Combine(DataDirectory, $"{tp.DirectoryName}.{Guid.NewGuid():N}{DeleteSuffix}");
            Directory.Move(log.Directory, target);
            Segments.DirectorySync.Fsync(DataDirectory);
            _cleanerOffsets.TryRemove(tp, out _);
            ScheduleDirectoryRemoval(target);
        }
    }

    private void ScheduleDirectoryRemoval(string dir) =>
        _ = Task.Run(() =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                StorageLog.ManagerTaskFailed(_logger, e, "remove " + dir);
            }
        });

    /// <summary>Starts the background loops (retention, cleaner, flush.ms, checkpoints).</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_background)
        {
            if (_background.Count > 0)
            {
                return;
            }
            _background.Add(Loop("retention", () => RetentionCheckInterval, () => RunRetention()));
            _background.Add(Loop("flush", () => FlushCheckInterval, FlushDueLogs));
            _background.Add(Loop("checkpoint", () => CheckpointInterval, WriteCheckpoints));
            _background.Add(Loop("cleaner", () => CleanerBackoff, () => RunCleaner()));
        }
    }

    private Task Loop(string name, Func<TimeSpan> interval, Action work) =>
        Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(interval(), _time, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                try
                {
                    work();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    StorageLog.ManagerTaskFailed(_logger, e, name);
                }
            }
        });

    /// <summary>One retention pass over all logs; also unlinks expired *.deleted files. Returns segments deleted.</summary>
    public int RunRetention()
    {
        var deleted = 0;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var log in _logs.Values)
        {
            try
            {
                deleted += log.ApplyRetention();
                log.RemoveDeletedFiles(now);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                StorageLog.BackgroundFailed(_logger, e, "retention", log.TopicPartition);
            }
        }
        return deleted;
    }

    /// <summary>One compaction pass: cleans each compacted log whose dirty ratio is due. Returns logs cleaned.</summary>
    public int RunCleaner()
    {
        var cleaned = 0;
        foreach (var log in _logs.Values)
        {
            if (!log.Config.Compact)
            {
                continue;
            }
            try
            {
                var firstDirty = _cleanerOffsets.GetValueOrDefault(log.TopicPartition, log.LogStartOffset);
                var next = _cleaner.Clean(log, firstDirty, force: false);
                if (next is { } offset)
                {
                    _cleanerOffsets[log.TopicPartition] = offset;
                    cleaned++;
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or StorageException)
            {
                StorageLog.BackgroundFailed(_logger, e, "cleaner", log.TopicPartition);
            }
        }
        return cleaned;
    }

    private void FlushDueLogs()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var log in _logs.Values)
        {
            try
            {
                log.FlushIfDue(now);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                StorageLog.BackgroundFailed(_logger, e, "flush", log.TopicPartition);
            }
        }
    }

    /// <summary>
    /// Reads the replication-offset-checkpoint (high watermarks) of the data directory; empty when
    /// missing or malformed (replicas then learn the high watermark from their leader).
    /// </summary>
    public IReadOnlyDictionary<TopicPartition, long> ReadHighWatermarks() =>
        CheckpointFile.ReadOffsets(Path.Combine(DataDirectory, ReplicationOffsetCheckpoint));

    /// <summary>
    /// Writes the replication-offset-checkpoint as Kafka does: "0", the count, one
    /// "topic partition offset" line each; through a temporary file, fsync and rename, so a crash
    /// leaves the old file or the new one.
    /// </summary>
    public void WriteHighWatermarks(IEnumerable<KeyValuePair<TopicPartition, long>> highWatermarks)
    {
        lock (_checkpointLock)
        {
            CheckpointFile.WriteOffsets(Path.Combine(DataDirectory, ReplicationOffsetCheckpoint), highWatermarks);
        }
    }

    /// <summary>Writes the recovery-point, log-start-offset and cleaner checkpoints of all logs.</summary>
    public void WriteCheckpoints()
    {
        lock (_checkpointLock)
        {
            var logs = _logs.Values.ToList();
            CheckpointFile.WriteOffsets(Path.Combine(DataDirectory, RecoveryPointCheckpoint),
                logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.RecoveryPoint)));
            CheckpointFile.WriteOffsets(Path.Combine(DataDirectory, LogStartOffsetCheckpoint),
                logs.Select(l => KeyValuePair.Create(l.TopicPartition, l.LogStartOffset)));
            CheckpointFile.WriteOffsets(Path.Combine(DataDirectory, CleanerOffsetCheckpoint), _cleanerOffsets.ToArray());
        }
    }

    /// <summary>Stops background work, closes every log cleanly, writes checkpoints and releases the directory lock.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stop.Cancel();
        Task[] tasks;
        lock (_background)
        {
            tasks = [.. _background];
        }
        try
        {
            Task.WaitAll(tasks, TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Loops log their own failures.
        }
        foreach (var log in _logs.Values)
        {
            try
            {
                log.Close();
            }
            catch (StorageException e)
            {
                StorageLog.BackgroundFailed(_logger, e, "close", log.TopicPartition);
            }
        }
        try
        {
            WriteCheckpoints();
        }
        catch (IOException e)
        {
            StorageLog.ManagerTaskFailed(_logger, e, "checkpoint on close");
        }
        _stop.Dispose();
        _lockFile.Dispose();
    }
}
