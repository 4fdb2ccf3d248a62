using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Cluster.Metadata;

/// <summary>
/// Kafka's MetadataLoader (plus its SnapshotGenerator), on every node — controllers and pure
/// brokers alike: an <see cref="IRaftListener"/> that replays committed batches and loaded
/// snapshots into the immutable <see cref="MetadataImage"/> and publishes each new image to
/// subscribers, in log order. The image's controller id follows the Raft leader.
/// <para>Snapshots: after <see cref="MetadataLoaderOptions.MaxBytesBetweenSnapshots"/> record
/// bytes, or <see cref="MetadataLoaderOptions.MaxSnapshotIntervalMs"/> of log time (the batches'
/// append timestamps, so no clock is read) since the last snapshot, the image is written as
/// records (<see cref="MetadataImageRecords"/>) through <see cref="IRaftClient.CreateSnapshot"/>
/// at the batch just applied.</para>
/// <para>Threading: the Raft callbacks come from the one thread that drives the Raft client;
/// <see cref="Current"/> is a lock-free read from any thread; subscribers run on the driving
/// thread and must not block; one that throws is logged and does not stop the others.</para>
/// </summary>
public sealed partial class MetadataLoader : IRaftListener, IMetadataPublisher
{
    private readonly MetadataLoaderOptions _options;
    private readonly IRaftClient? _raft;
    private readonly ILogger _logger;
    private readonly MetadataSubscribers _subscribers = new();
    private MetadataImage _current;
    private long _bytesSinceSnapshot;
    private long _firstUnsnapshottedTimeMs = -1;
    private long _lastSnapshotOffset = -1;

    /// <summary><paramref name="raft"/> is where snapshots are written; null never writes any.</summary>
    public MetadataLoader(MetadataLoaderOptions options, IRaftClient? raft = null, ILogger<MetadataLoader>? logger = null)
    {
        _options = options;
        _raft = raft;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _current = MetadataImage.Empty(options.ClusterId, options.NodeId);
    }

    public MetadataImage Current => Volatile.Read(ref _current);

    /// <summary>The last committed offset replayed (-1 before any): what a broker reports in its heartbeat.</summary>
    public long LastAppliedOffset => Current.Offset;

    /// <summary>The offset of the last snapshot this loader wrote or loaded (-1 none).</summary>
    public long LastSnapshotOffset => _lastSnapshotOffset;

    public IDisposable Subscribe(Action<MetadataImage, MetadataImage> onPublished) => _subscribers.Add(onPublished);

    public void HandleCommit(RaftBatch batch)
    {
        var previous = _current;
        if (batch.LastOffset <= previous.Offset)
        {
            return;
        }
        var builder = new MetadataImageBuilder(previous);
        if (batch.IsControl)
        {
            builder.AdvanceTo(batch.LastOffset);
        }
        else
        {
            builder.ApplyBatch(batch.BaseOffset, batch.LastOffset, batch.Records);
            foreach (var record in batch.Records)
            {
                // Metadata batches are small and rare next to data batches: sizing by encoding is fine.
                _bytesSinceSnapshot += MetadataRecordSerde.Serialize(record).Length;
            }
            if (_firstUnsnapshottedTimeMs < 0 && batch.Records.Count > 0)
            {
                _firstUnsnapshottedTimeMs = batch.AppendTimestampMs;
            }
        }
        Publish(previous, builder.Build());
        MaybeSnapshot(batch);
    }

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
        var previous = _current;
        var image = MetadataImageRecords.Read(previous.ClusterId, previous.ControllerId, snapshot.LastContained.Offset, snapshot.Records);
        _bytesSinceSnapshot = 0;
        _firstUnsnapshottedTimeMs = -1;
        _lastSnapshotOffset = snapshot.LastContained.Offset;
        LogLoadedSnapshot(snapshot.LastContained.Offset, snapshot.Records.Count);
        Publish(previous, image);
    }

    public void HandleLeaderChange(LeaderAndEpoch leader)
    {
        if (leader.LeaderId is { } id && id != _current.ControllerId)
        {
            var previous = _current;
            Publish(previous, previous with { ControllerId = id });
        }
    }

    private void MaybeSnapshot(RaftBatch batch)
    {
        if (_raft is null || !_options.GenerateSnapshots || batch.LastOffset <= _lastSnapshotOffset)
        {
            return;
        }
        var bySize = _bytesSinceSnapshot >= _options.MaxBytesBetweenSnapshots;
        var byTime = _options.MaxSnapshotIntervalMs > 0 && _firstUnsnapshottedTimeMs >= 0
            && batch.AppendTimestampMs - _firstUnsnapshottedTimeMs >= _options.MaxSnapshotIntervalMs;
        if (!bySize && !byTime)
        {
            return;
        }
        try
        {
            _raft.CreateSnapshot(new OffsetAndEpoch(batch.LastOffset, batch.Epoch), batch.AppendTimestampMs, MetadataImageRecords.Write(_current));
            _lastSnapshotOffset = batch.LastOffset;
            LogSnapshotWritten(batch.LastOffset, bySize ? "size" : "time", _bytesSinceSnapshot);
            _bytesSinceSnapshot = 0;
            _firstUnsnapshottedTimeMs = -1;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
        {
            // The log keeps everything; the next batch tries again.
            LogSnapshotFailed(e, batch.LastOffset);
        }
    }

    private void Publish(MetadataImage previous, MetadataImage next)
    {
        Volatile.Write(ref _current, next);
        _subscribers.Publish(previous, next, (ex, image) => LogSubscriberFailed(ex, image.Offset));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded a metadata snapshot up to offset {Offset} ({Records} records)")]
    private partial void LogLoadedSnapshot(long offset, int records);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote a metadata snapshot up to offset {Offset} (trigger: {Trigger}, {Bytes} record bytes since the last)")]
    private partial void LogSnapshotWritten(long offset, string trigger, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write a metadata snapshot at offset {Offset}")]
    private partial void LogSnapshotFailed(Exception exception, long offset);

    [LoggerMessage(Level = LogLevel.Error, Message = "A metadata subscriber failed on the image at offset {Offset}")]
    private partial void LogSubscriberFailed(Exception exception, long offset);
}
