using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Purgatory;
using Gregor.Cluster.Replication;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Hosts the partitions this node leads and is the one door to their logs: produce appends,
/// consumer fetches (long poll, KIP-227 sessions), list offsets, delete records, leader-epoch
/// lookups and producer state — for the handlers and for the coordinators that keep their state
/// in internal topics (__consumer_offsets).
/// <para>
/// Lifecycle: constructed once per broker (touching nothing); <see cref="Open"/> subscribes to the
/// metadata publisher and applies every image in order — opening (or creating) the log of each
/// partition whose leader is this node, updating leader epochs and topic configs, and deleting
/// the logs of removed topics. Disposing it closes every log.
/// </para>
/// <para>
/// Thread-safety: all public methods are safe to call concurrently. Partitions live in a
/// concurrent map; metadata images are applied under one lock, in publication order.
/// </para>
/// </summary>
public sealed partial class ReplicaManager : IDisposable
{
    /// <summary>Kafka's fetch.max.bytes (55 MiB): a cap on one response whatever the client asks.</summary>
    public const int BrokerFetchMaxBytes = 57_671_680;

    private readonly ConcurrentDictionary<TopicPartition, Partition> _partitions = new();
    private readonly Dictionary<TopicPartition, IReadOnlyDictionary<string, string>> _appliedConfigs = [];
    private readonly IMetadataPublisher _metadata;
    private readonly IReplicaLogProvider _logs;
    private readonly ReplicaManagerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _applyLock = new();
    /// <summary>The meter of the partitions part (names and units: docs/metrics.md).</summary>
    public const string MeterName = "Gregor.Partitions";

    private readonly Meter _meter;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _delayedFetches;
    private readonly Action<Partition> _positionChanged;
    private IDisposable? _subscription;
    private long _appliedOffset = long.MinValue;
    private bool _disposed;

    public ReplicaManager(
        IMetadataPublisher metadata,
        IReplicaLogProvider logs,
        ReplicaManagerOptions options,
        ILogger<ReplicaManager>? logger = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        _metadata = metadata;
        _logs = logs;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _meter = GregorMeter.Create(meterFactory, MeterName);
        _bytesIn = _meter.CreateCounter<long>("gregor.partitions.bytes.appended", "By", "Record bytes appended by producers and coordinators");
        _bytesOut = _meter.CreateCounter<long>("gregor.partitions.bytes.fetched", "By", "Record bytes returned to fetchers");
        _delayedFetches = _meter.CreateCounter<long>("gregor.partitions.fetches.delayed", "{fetch}", "Fetches that waited for data (long poll)");
        _meter.CreateObservableGauge("gregor.partitions.hosted", () => _partitions.Count(static entry => entry.Value.IsLeader), "{partition}", "Partitions this node leads");
        DelayedFetches = new DelayedOperationPurgatory<TopicPartition>("fetch", options.MaxDelayedFetches, _time);
        DelayedProduces = new DelayedOperationPurgatory<TopicPartition>("produce", options.MaxDelayedProduces, _time);
        _meter.CreateObservableGauge(
            "gregor.partitions.purgatory.size",
            () => (IEnumerable<Measurement<int>>)[
                new(DelayedFetches.Count, new KeyValuePair<string, object?>("kind", DelayedFetches.Kind)),
                new(DelayedProduces.Count, new KeyValuePair<string, object?>("kind", DelayedProduces.Kind))],
            "{operation}",
            "Delayed operations waiting in the purgatory, by kind (fetch: long polls; produce: acks=all)");
        _positionChanged = OnPositionChanged;
        FetchSessions = new FetchSessionCache(options.MaxFetchSessions, timeProvider: _time, meter: _meter);
        // Enumerated lock-free: .Values would take every lock of the dictionary on each of the
        // per-partition instruments' callbacks. Followers are not counted: a partition's metrics come from its leader.
        PartitionMetrics.Register(_meter, () => _partitions.Select(static entry => entry.Value).Where(static p => p.IsLeader), () => _metadata.Current, options.NodeId);
    }

    /// <summary>Opens the partitions the current image says this node leads and follows every later image. Once.</summary>
    public void Open()
    {
        lock (_applyLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_subscription is not null)
            {
                throw new InvalidOperationException("the replica manager is already open");
            }
            _subscription = _metadata.Subscribe((_, next) => Apply(next));
            Apply(_metadata.Current);
        }
    }

    public int NodeId => _options.NodeId;

    /// <summary>This broker's epoch in the latest image (its registration's offset; -1 before it registered): followers fetch with it (ReplicaState).</summary>
    public long LocalBrokerEpoch { get; private set; } = -1;

    /// <summary>
    /// Called after every applied image with every partition this node follows (set before
    /// <see cref="Open"/>): the replica fetcher manager moves partitions between fetchers. Runs
    /// under the image lock, in image order: keep it short.
    /// </summary>
    public Action<IReadOnlyList<FollowerAssignment>>? FollowersChanged { get; set; }

    /// <summary>
    /// Called when a leader's partition wants an ISR change (a follower caught up, or fell behind
    /// for replica.lag.time.max.ms): the AlterPartition manager sends it to the controller; the
    /// change lands through the image. Set before <see cref="Open"/>.
    /// </summary>
    public Action<Partition, IsrChange>? IsrProposed { get; set; }

    public FetchSessionCache FetchSessions { get; }

    /// <summary>Long-poll fetches waiting for min bytes, watched by partition.</summary>
    public DelayedOperationPurgatory<TopicPartition> DelayedFetches { get; }

    /// <summary>acks=all produces waiting for the high watermark, watched by partition.</summary>
    public DelayedOperationPurgatory<TopicPartition> DelayedProduces { get; }

    /// <summary>The partitions this node currently leads (a snapshot).</summary>
    public IReadOnlyCollection<Partition> Partitions => [.. _partitions.Values.Where(p => p.IsLeader)];

    /// <summary>Every replica hosted here, leaders and followers (a snapshot).</summary>
    public IReadOnlyCollection<Partition> Replicas => [.. _partitions.Values];

    /// <summary>The partition if this node leads it (what clients and coordinators may read and write).</summary>
    public bool TryGetPartition(TopicPartition topicPartition, [NotNullWhen(true)] out Partition? partition)
    {
        if (_partitions.TryGetValue(topicPartition, out partition) && partition.IsLeader)
        {
            return true;
        }
        partition = null;
        return false;
    }

    /// <summary>The replica hosted here, leader or follower.</summary>
    public bool TryGetReplica(TopicPartition topicPartition, [NotNullWhen(true)] out Partition? partition) =>
        _partitions.TryGetValue(topicPartition, out partition);

    /// <summary>The partition this node leads; throws <see cref="KafkaException"/> with the reason it is not led here.</summary>
    public Partition GetPartition(TopicPartition topicPartition) =>
        TryGetPartition(topicPartition, out var partition)
            ? partition
            : throw new KafkaException(PartitionError(topicPartition), $"{topicPartition} is not led by node {NodeId}");

    /// <summary>
    /// Why a partition is not hosted here: unknown topic/partition, led by another node, or
    /// known and led here but its log is not open (yet).
    /// </summary>
    public ErrorCode PartitionError(TopicPartition topicPartition)
    {
        var image = _metadata.Current.Partition(topicPartition.Topic, topicPartition.Partition);
        return image is null ? ErrorCode.UnknownTopicOrPartition
            : image.Leader != NodeId ? ErrorCode.NotLeaderOrFollower
            : ErrorCode.LeaderNotAvailable;
    }

    /// <summary>
    /// Validates and appends one partition's records as leader, answering once the append
    /// returned (acks=1: coordinators and callers that need only the leader's log). Never throws
    /// for client errors: they come back as the result's error code.
    /// </summary>
    public ValueTask<ProducePartitionResult> AppendRecordsAsync(TopicPartition topicPartition, ReadOnlyMemory<byte> records, CancellationToken cancellationToken) =>
        AppendRecordsAsync(topicPartition, records, requiredAcks: 1, TimeSpan.Zero, cancellationToken);

    /// <summary>
    /// Validates (one <see cref="ProduceRecordsValidator"/> step) and appends one partition's
    /// records as leader. With <paramref name="requiredAcks"/> -1 the answer waits in the produce
    /// purgatory until the high watermark covers the batch, at most <paramref name="timeout"/>
    /// (REQUEST_TIMED_OUT after); on a single node that is as soon as the local append returned.
    /// Never throws for client errors: they come back as the result's error code.
    /// </summary>
    public async ValueTask<ProducePartitionResult> AppendRecordsAsync(
        TopicPartition topicPartition, ReadOnlyMemory<byte> records, short requiredAcks, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_partitions.TryGetValue(topicPartition, out var partition))
        {
            return ProducePartitionResult.Failed(PartitionError(topicPartition));
        }
        if (!partition.IsLeader)
        {
            return ProducePartitionResult.Failed(ErrorCode.NotLeaderOrFollower, $"node {NodeId} is not the leader of {topicPartition}");
        }
        var limits = partition.Limits;
        if (requiredAcks == -1 && !partition.HasEnoughInsyncReplicas)
        {
            return ProducePartitionResult.Failed(
                ErrorCode.NotEnoughReplicas,
                $"the ISR of {topicPartition} has {partition.InSyncReplicas.Count} members, fewer than min.insync.replicas {partition.MinInsyncReplicas}");
        }
        var (error, message) = ProduceRecordsValidator.Validate(records.Span, limits, _time.GetUtcNow().ToUnixTimeMilliseconds(), out var batch);
        if (error != ErrorCode.None)
        {
            return ProducePartitionResult.Failed(error, message);
        }
        if (limits.Compacted)
        {
            // The one per-record rule, after the header checks and on the validated batch's bytes.
            var keys = CompactedTopicKeyCheck.Check(records, topicPartition);
            if (keys.Error != ErrorCode.None)
            {
                return ProducePartitionResult.Failed(keys.Error, keys.Message, keys.RecordErrors);
            }
        }
        LogAppendResult appended;
        try
        {
            appended = await partition.AppendAsync(records, batch, cancellationToken).ConfigureAwait(false);
            _bytesIn.Add(records.Length);
        }
        catch (Exception e) when (ErrorMapping.TryGetErrorCode(e, out var code))
        {
            return ProducePartitionResult.Failed(code, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStorageFailure(e, "append", topicPartition);
            return ProducePartitionResult.Failed(ErrorCode.KafkaStorageError, e.Message);
        }
        if (requiredAcks == -1)
        {
            var delayed = new DelayedProduce(partition, appended.LastOffset + 1, timeout);
            // Checked before watching so that the single-node case (covered already) allocates no key list.
            var waitStarted = 0L;
            if (!delayed.TryComplete())
            {
                waitStarted = Stopwatch.GetTimestamp();
                DelayedProduces.TryCompleteElseWatch(delayed, [topicPartition], cancellationToken);
            }
            var replicated = await delayed.Completion.ConfigureAwait(false);
            if (waitStarted != 0)
            {
                PurgatoryWaitTracker.Current.Value?.Record(waitStarted, Stopwatch.GetTimestamp());
            }
            if (replicated != ErrorCode.None)
            {
                return ProducePartitionResult.Failed(replicated, replicated switch
                {
                    ErrorCode.NotEnoughReplicasAfterAppend => $"the ISR of {topicPartition} shrank below min.insync.replicas {partition.MinInsyncReplicas} after the append",
                    ErrorCode.NotLeaderOrFollower => $"node {NodeId} is no longer the leader of {topicPartition}",
                    _ => $"the high watermark of {topicPartition} did not reach {appended.LastOffset + 1} in time",
                });
            }
        }
        return new ProducePartitionResult(ErrorCode.None, appended.FirstOffset, appended.LogAppendTime, appended.LogStartOffset);
    }

    /// <summary>
    /// Serves a consumer fetch: applies the request's fetch-session semantics, reads whole
    /// batches below the high watermark within the per-partition and response byte limits (the
    /// first batch of the first non-empty partition whole even when larger, KIP-74), and when
    /// fewer than min bytes are available waits in the fetch purgatory, up to max wait, until
    /// appends to its partitions made min bytes readable (counted from log positions, not read),
    /// then reads once. The result owns pinned file ranges: dispose it after the response is written.
    /// </summary>
    public async ValueTask<FetchResult> FetchAsync(FetchRequestSpec request, CancellationToken cancellationToken)
    {
        if (request.IsFromFollower)
        {
            return await FetchForFollowerAsync(request, cancellationToken).ConfigureAwait(false);
        }
        var session = FetchSessions.Begin(request);
        if (session.Error != ErrorCode.None)
        {
            return new FetchResult(session.Error, 0, []);
        }
        var toRead = session.ToRead;
        var hosted = ResolveLeaders(toRead, out var errors);
        var canWait = request.MaxWaitMs > 0 && request.MinBytes > 0 && toRead.Count > 0;
        // Positions before the read: an append from here on counts toward min bytes, so none
        // is missed (one racing the read may count twice, which only answers a little early).
        var positions = canWait ? PositionsBefore(hosted, static p => p.VisibleBytes) : default;
        var results = ReadOnce(request, toRead, hosted, errors, out var bytes, out var anyError);
        if (!canWait || bytes >= request.MinBytes || anyError)
        {
            _bytesOut.Add(bytes);
            CountFetched(hosted, results);
            return new FetchResult(ErrorCode.None, session.SessionId, session.Complete(results));
        }
        // Not enough yet: park the fetch where appends will find it, and read once when it completes.
        await WaitInPurgatoryAsync(request, toRead, hosted, positions, results, bytes, fromFollower: false, cancellationToken).ConfigureAwait(false);
        results = ReadOnce(request, toRead, hosted, errors, out bytes, out _);
        _bytesOut.Add(bytes);
        CountFetched(hosted, results);
        return new FetchResult(ErrorCode.None, session.SessionId, session.Complete(results));
    }

    /// <summary>
    /// Serves a follower's fetch (replica id ≥ 0) as leader: no fetch session (followers send
    /// full fetches), each partition checked for leadership, the follower's current leader epoch
    /// (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH) and divergence (DivergingEpoch), its position
    /// recorded (high watermark, ISR expansion), records read up to the log end; long-polls until
    /// min bytes were appended to the log (not only committed) or max wait.
    /// </summary>
    private async ValueTask<FetchResult> FetchForFollowerAsync(FetchRequestSpec request, CancellationToken cancellationToken)
    {
        var toRead = request.Partitions;
        var hosted = ResolveLeaders(toRead, out var errors);
        var canWait = request.MaxWaitMs > 0 && request.MinBytes > 0 && toRead.Count > 0;
        // A follower waits for appended bytes, not committed ones: it is what moves the HW.
        var positions = canWait ? PositionsBefore(hosted, static p => p.BytesAppended) : default;
        var results = ReadForFollower(request, toRead, hosted, errors, out var bytes, out var anyError);
        if (!canWait || bytes >= request.MinBytes || anyError)
        {
            _bytesOut.Add(bytes);
            return new FetchResult(ErrorCode.None, 0, results);
        }
        await WaitInPurgatoryAsync(request, toRead, hosted, positions, results, bytes, fromFollower: true, cancellationToken).ConfigureAwait(false);
        results = ReadForFollower(request, toRead, hosted, errors, out bytes, out _);
        _bytesOut.Add(bytes);
        return new FetchResult(ErrorCode.None, 0, results);
    }

    /// <summary>The partitions this node leads among <paramref name="toRead"/>; the error of each one it does not.</summary>
    private Partition?[] ResolveLeaders(IReadOnlyList<FetchPartitionSpec> toRead, out ErrorCode[] errors)
    {
        var hosted = new Partition?[toRead.Count];
        errors = new ErrorCode[toRead.Count];
        for (var i = 0; i < toRead.Count; i++)
        {
            var key = toRead[i].Key;
            if (key.Topic is null)
            {
                errors[i] = ErrorCode.UnknownTopicId;
            }
            else if (!_partitions.TryGetValue(new TopicPartition(key.Topic, key.Partition), out hosted[i]))
            {
                errors[i] = PartitionError(new TopicPartition(key.Topic, key.Partition));
            }
        }
        return hosted;
    }

    /// <summary>Each partition's byte position (by <paramref name="position"/>) and leader epoch before a read that may have to wait.</summary>
    private static (long[] Before, int[] Epochs) PositionsBefore(Partition?[] hosted, Func<Partition, long> position)
    {
        var before = new long[hosted.Length];
        var epochs = new int[hosted.Length];
        for (var i = 0; i < hosted.Length; i++)
        {
            before[i] = hosted[i] is { } partition ? position(partition) : 0;
            epochs[i] = hosted[i]?.LeaderEpoch ?? 0;
        }
        return (before, epochs);
    }

    /// <summary>
    /// Parks a fetch that found fewer than min bytes in the fetch purgatory (releasing what it
    /// read) until appends to its partitions reach min bytes, max wait passes, or a partition's
    /// leadership changes; the caller then reads once.
    /// </summary>
    private async ValueTask WaitInPurgatoryAsync(
        FetchRequestSpec request,
        IReadOnlyList<FetchPartitionSpec> toRead,
        Partition?[] hosted,
        (long[] Before, int[] Epochs) positions,
        List<FetchPartitionResult> results,
        int bytes,
        bool fromFollower,
        CancellationToken cancellationToken)
    {
        foreach (var result in results)
        {
            result.Records?.Release();
        }
        var maxBytes = new int[toRead.Count];
        var keys = new List<TopicPartition>(toRead.Count);
        for (var i = 0; i < toRead.Count; i++)
        {
            maxBytes[i] = Math.Max(0, toRead[i].MaxBytes);
            if (hosted[i] is { } partition)
            {
                keys.Add(partition.TopicPartition);
            }
        }
        var delayed = new DelayedFetch(hosted, positions.Before, positions.Epochs, maxBytes, bytes, request.MinBytes,
            TimeSpan.FromMilliseconds(request.MaxWaitMs), fromFollower);
        var waitStarted = Stopwatch.GetTimestamp();
        if (!DelayedFetches.TryCompleteElseWatch(delayed, keys, cancellationToken))
        {
            _delayedFetches.Add(1);
        }
        var outcome = await delayed.Completion.ConfigureAwait(false);
        PurgatoryWaitTracker.Current.Value?.Record(waitStarted, Stopwatch.GetTimestamp());
        if (outcome == DelayedOperationOutcome.Cancelled)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>Why <paramref name="partition"/> cannot serve a fetch as leader in the requested epoch; None when it can.</summary>
    private static ErrorCode LeaderReadError(Partition? partition, ErrorCode notHosted, int currentLeaderEpoch) =>
        partition is null ? notHosted
        : partition.IsRemoved || !partition.IsLeader ? ErrorCode.NotLeaderOrFollower
        : partition.CheckLeaderEpoch(currentLeaderEpoch);

    private List<FetchPartitionResult> ReadForFollower(
        FetchRequestSpec request,
        IReadOnlyList<FetchPartitionSpec> toRead,
        Partition?[] hosted,
        ErrorCode[] errors,
        out int bytes,
        out bool anyError)
    {
        var results = new List<FetchPartitionResult>(toRead.Count);
        var responseBytesLeft = request.MaxBytes <= 0 ? BrokerFetchMaxBytes : Math.Min(request.MaxBytes, BrokerFetchMaxBytes);
        var minOneMessage = true;
        var nowMs = Environment.TickCount64;
        bytes = 0;
        anyError = false;
        for (var i = 0; i < toRead.Count; i++)
        {
            var spec = toRead[i];
            var partition = hosted[i];
            var readError = LeaderReadError(partition, errors[i], spec.CurrentLeaderEpoch);
            if (readError != ErrorCode.None || partition is null)
            {
                anyError = true;
                results.Add(FetchPartitionResult.Failed(spec.Key, readError));
                continue;
            }
            ReplicaFetchRead read;
            try
            {
                read = partition.ReadForFollower(request.ReplicaId, request.ReplicaEpoch, spec.FetchOffset, spec.LastFetchedEpoch,
                    Math.Min(spec.MaxBytes, responseBytesLeft), minOneMessage, nowMs);
            }
            catch (Exception e) when (ErrorMapping.TryGetErrorCode(e, out var code))
            {
                anyError = true;
                // The log start tells a follower that fell behind retention where to restart.
                results.Add(new FetchPartitionResult(spec.Key, code, partition.HighWatermark, partition.HighWatermark, partition.LogStartOffset, null));
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogStorageFailure(e, "read", partition.TopicPartition);
                anyError = true;
                results.Add(new FetchPartitionResult(spec.Key, ErrorCode.KafkaStorageError, -1, -1, -1, null));
                continue;
            }
            if (read.Proposal is { } proposal)
            {
                IsrProposed?.Invoke(partition, proposal);
            }
            if (read.DivergingEpoch is { } diverging)
            {
                // Answer now: the follower truncates before it asks again. (-1, -1) reads as no
                // divergence on the wire, so an epoch older than this log's history points at its start.
                anyError = true;
                var endOffset = diverging.Epoch < 0 && diverging.EndOffset < 0 ? partition.LogStartOffset : diverging.EndOffset;
                results.Add(new FetchPartitionResult(spec.Key, ErrorCode.None, partition.HighWatermark, partition.HighWatermark, partition.LogStartOffset, null,
                    diverging.Epoch, endOffset));
                continue;
            }
            if (read.Records is { Length: > 0 } records)
            {
                bytes += records.Length;
                responseBytesLeft = Math.Max(0, responseBytesLeft - records.Length);
                minOneMessage = false;
            }
            var highWatermark = partition.HighWatermark;
            results.Add(new FetchPartitionResult(spec.Key, ErrorCode.None, highWatermark, highWatermark, partition.LogStartOffset, read.Records));
        }
        return results;
    }

    /// <summary>Where this follower's next fetch of <paramref name="topicPartition"/> starts: its log end, the epoch of its last batch, its log start.</summary>
    public (long FetchOffset, int LastFetchedEpoch, long LogStartOffset)? FollowerFetchPosition(TopicPartition topicPartition) =>
        _partitions.TryGetValue(topicPartition, out var partition) && !partition.IsLeader && !partition.IsRemoved
            ? (partition.LogEndOffset, partition.Log.LatestEpoch, partition.LogStartOffset)
            : null;

    /// <summary>
    /// Appends what the leader of <paramref name="leaderEpoch"/> returned for <paramref name="topicPartition"/>
    /// (received bytes, the leader's offsets and epochs) and follows its high watermark. False when
    /// this replica no longer follows that epoch (a stale response: dropped). Storage errors throw.
    /// </summary>
    public async ValueTask<bool> AppendAsFollowerAsync(TopicPartition topicPartition, int leaderEpoch, ReadOnlyMemory<byte> records, long leaderHighWatermark, CancellationToken cancellationToken)
    {
        if (!_partitions.TryGetValue(topicPartition, out var partition))
        {
            return false;
        }
        var applied = await partition.AppendAsFollowerAsync(leaderEpoch, records, leaderHighWatermark, cancellationToken).ConfigureAwait(false);
        if (applied && !records.IsEmpty)
        {
            _bytesIn.Add(records.Length);
        }
        return applied;
    }

    /// <summary>
    /// Truncates a follower's divergent tail: to <paramref name="offset"/>, or, with
    /// <paramref name="fully"/>, empties the log and restarts it there (behind the leader's log start).
    /// False when this replica no longer follows <paramref name="leaderEpoch"/>.
    /// </summary>
    public bool TruncateFollower(TopicPartition topicPartition, int leaderEpoch, long offset, bool fully = false)
    {
        if (!_partitions.TryGetValue(topicPartition, out var partition))
        {
            return false;
        }
        var truncated = partition.TruncateAsFollower(leaderEpoch, offset, fully);
        if (truncated)
        {
            LogFollowerTruncated(topicPartition, offset, leaderEpoch);
        }
        return truncated;
    }

    /// <summary>
    /// Settles a divergence the leader of <paramref name="leaderEpoch"/> reported (its DivergingEpoch:
    /// <paramref name="leaderAnswer"/>): where to truncate comes from the replication core's
    /// <see cref="FollowerTruncation"/> over this replica's epoch history; the log is truncated
    /// there. Returns the decision, or null when this replica no longer follows that epoch.
    /// </summary>
    public TruncationDecision? TruncateOnDivergence(TopicPartition topicPartition, int leaderEpoch, EpochEndOffset leaderAnswer)
    {
        if (!_partitions.TryGetValue(topicPartition, out var partition) || partition.IsLeader || partition.LeaderEpoch != leaderEpoch)
        {
            return null;
        }
        var history = new LeaderEpochCache(partition.Log.LeaderEpochs.Select(e => new EpochEntry(e.Epoch, e.StartOffset)));
        var decision = FollowerTruncation.Decide(history, partition.LogEndOffset, partition.HighWatermark, leaderAnswer);
        return TruncateFollower(topicPartition, leaderEpoch, decision.TruncateTo) ? decision : null;
    }

    /// <summary>The end offset of <paramref name="epoch"/> in the local log (a follower's side of a divergence): the largest epoch not above it and where it ends; null when the log keeps no epoch history.</summary>
    public (int Epoch, long EndOffset)? LocalEndOffsetForEpoch(TopicPartition topicPartition, int epoch) =>
        _partitions.TryGetValue(topicPartition, out var partition) ? partition.Log.EndOffsetForEpoch(epoch) : null;

    /// <summary>Proposes the ISR shrinks due now (followers behind for replica.lag.time.max.ms); run every half of it, as Kafka's isr-expiration task.</summary>
    public void MaybeShrinkIsrs()
    {
        var nowMs = Environment.TickCount64;
        foreach (var partition in _partitions.Values)
        {
            if (partition.IsLeader && partition.MaybeShrinkIsr(nowMs) is { } proposal)
            {
                IsrProposed?.Invoke(partition, proposal);
            }
        }
    }

    /// <summary>The high watermark of every replicated partition hosted here (the replication-offset-checkpoint's content).</summary>
    public IReadOnlyList<(TopicPartition TopicPartition, long HighWatermark)> HighWatermarks() =>
        [.. _partitions.Values.Where(p => !p.IsRemoved).Select(p => (p.TopicPartition, p.HighWatermark))];

    // Per-partition bytes out, for what is returned only (a read discarded before a long poll is not).
    private static void CountFetched(Partition?[] hosted, List<FetchPartitionResult> results)
    {
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].Records is { Length: > 0 } records)
            {
                hosted[i]?.CountFetched(records.Length);
            }
        }
    }

    private List<FetchPartitionResult> ReadOnce(
        FetchRequestSpec request,
        IReadOnlyList<FetchPartitionSpec> toRead,
        Partition?[] hosted,
        ErrorCode[] errors,
        out int bytes,
        out bool anyError)
    {
        var results = new List<FetchPartitionResult>(toRead.Count);
        var responseBytesLeft = request.MaxBytes <= 0 ? BrokerFetchMaxBytes : Math.Min(request.MaxBytes, BrokerFetchMaxBytes);
        var minOneMessage = true;
        bytes = 0;
        anyError = false;
        for (var i = 0; i < toRead.Count; i++)
        {
            var spec = toRead[i];
            var partition = hosted[i];
            var readError = LeaderReadError(partition, errors[i], spec.CurrentLeaderEpoch);
            if (readError != ErrorCode.None || partition is null)
            {
                anyError = true;
                results.Add(FetchPartitionResult.Failed(spec.Key, readError));
                continue;
            }
            FetchedRecords? records = null;
            var error = ErrorCode.None;
            try
            {
                records = partition.Read(spec.FetchOffset, Math.Min(spec.MaxBytes, responseBytesLeft), minOneMessage);
            }
            catch (Exception e) when (ErrorMapping.TryGetErrorCode(e, out var code))
            {
                error = code;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogStorageFailure(e, "read", partition.TopicPartition);
                error = ErrorCode.KafkaStorageError;
            }
            if (error != ErrorCode.None)
            {
                anyError = true;
                results.Add(new FetchPartitionResult(spec.Key, error, -1, -1, -1, null));
                continue;
            }
            if (records is { Length: > 0 })
            {
                bytes += records.Length;
                responseBytesLeft = Math.Max(0, responseBytesLeft - records.Length);
                minOneMessage = false;
            }
            // Read after the records so the reported high watermark covers them.
            var highWatermark = partition.HighWatermark;
            results.Add(new FetchPartitionResult(
                spec.Key,
                ErrorCode.None,
                highWatermark,
                request.IsolationLevel == 1 ? partition.LastStableOffset : highWatermark,
                partition.LogStartOffset,
                records));
        }
        return results;
    }

    /// <summary>
    /// ListOffsets for one partition, as Kafka's UnifiedLog.fetchOffsetByTimestamp without remote
    /// storage: -2 earliest and -4 earliest-local (both the log start offset), -1 latest (high
    /// watermark, or last stable offset for read_committed), -3 the first record carrying the
    /// largest timestamp (with its batch's leader epoch), -5 latest-tiered and -6 earliest
    /// pending upload -1/-1 (nothing is tiered), a timestamp ≥ 0 the first offset at or after it;
    /// -1/-1 when nothing matches below the visible end. Which specs a request version may use is
    /// the handler's check (<see cref="ListOffsetsTimestamps.MinVersion"/>).
    /// </summary>
    public ListOffsetResult ListOffset(TopicPartition topicPartition, long timestamp, byte isolationLevel, int currentLeaderEpoch)
    {
        if (!_partitions.TryGetValue(topicPartition, out var partition))
        {
            return ListOffsetResult.Failed(PartitionError(topicPartition));
        }
        if (!partition.IsLeader)
        {
            return ListOffsetResult.Failed(ErrorCode.NotLeaderOrFollower);
        }
        var epochError = partition.CheckLeaderEpoch(currentLeaderEpoch);
        if (epochError != ErrorCode.None)
        {
            return ListOffsetResult.Failed(epochError);
        }
        if (partition.HighWatermark < partition.LeaderEpochStartOffset)
        {
            // KIP-207: a new leader does not know what was committed before it took over until its
            // high watermark reaches the start of its epoch; clients retry.
            return ListOffsetResult.Failed(ErrorCode.OffsetNotAvailable);
        }
        try
        {
            var epoch = partition.LeaderEpoch;
            var visibleEnd = isolationLevel == 1 ? partition.LastStableOffset : partition.HighWatermark;
            switch (timestamp)
            {
                case ListOffsetsTimestamps.Earliest or ListOffsetsTimestamps.EarliestLocal:
                    return new ListOffsetResult(ErrorCode.None, partition.LogStartOffset, -1, epoch);
                case ListOffsetsTimestamps.Latest:
                    return new ListOffsetResult(ErrorCode.None, visibleEnd, -1, epoch);
                case ListOffsetsTimestamps.MaxTimestamp:
                    return partition.Log.FindMaxTimestamp() is { } max && max.Offset < visibleEnd
                        ? new ListOffsetResult(ErrorCode.None, max.Offset, max.Timestamp, max.LeaderEpoch)
                        : new ListOffsetResult(ErrorCode.None, -1, -1, -1);
                case < 0:
                    // -5 latest tiered and -6 earliest pending upload without remote storage: Kafka
                    // answers offset -1, epoch -1. Unknown specs were refused by the handler.
                    return new ListOffsetResult(ErrorCode.None, -1, -1, -1);
                default:
                    return partition.Log.FindOffsetByTimestamp(timestamp) is { } found && found.Offset < visibleEnd
                        ? new ListOffsetResult(ErrorCode.None, found.Offset, found.Timestamp, found.LeaderEpoch >= 0 ? found.LeaderEpoch : epoch)
                        : new ListOffsetResult(ErrorCode.None, -1, -1, -1);
            }
        }
        catch (Exception e) when (ErrorMapping.TryGetErrorCode(e, out var code))
        {
            return ListOffsetResult.Failed(code);
        }
        catch (Exception e)
        {
            LogStorageFailure(e, "list offsets", topicPartition);
            return ListOffsetResult.Failed(ErrorCode.KafkaStorageError);
        }
    }

    /// <summary>DeleteRecords: moves the log start offset to <paramref name="offset"/> (-1 = high watermark); returns the low watermark.</summary>
    public (ErrorCode Error, long LowWatermark) DeleteRecords(TopicPartition topicPartition, long offset)
    {
        if (!_partitions.TryGetValue(topicPartition, out var partition) || !partition.IsLeader)
        {
            return (PartitionError(topicPartition), -1);
        }
        try
        {
            return (ErrorCode.None, partition.DeleteRecordsBefore(offset));
        }
        catch (Exception e) when (ErrorMapping.TryGetErrorCode(e, out var code))
        {
            return (code, -1);
        }
        catch (Exception e)
        {
            LogStorageFailure(e, "delete records", topicPartition);
            return (ErrorCode.KafkaStorageError, -1);
        }
    }

    /// <summary>OffsetForLeaderEpoch: the end offset of <paramref name="leaderEpoch"/> in this partition's log.</summary>
    public (ErrorCode Error, int LeaderEpoch, long EndOffset) OffsetForLeaderEpoch(TopicPartition topicPartition, int currentLeaderEpoch, int leaderEpoch)
    {
        if (!_partitions.TryGetValue(topicPartition, out var partition) || !partition.IsLeader)
        {
            return (PartitionError(topicPartition), -1, -1);
        }
        var epochError = partition.CheckLeaderEpoch(currentLeaderEpoch);
        if (epochError != ErrorCode.None)
        {
            return (epochError, -1, -1);
        }
        try
        {
            var (epoch, endOffset) = partition.EndOffsetForEpoch(leaderEpoch);
            return (ErrorCode.None, epoch, endOffset);
        }
        catch (Exception e) when (ErrorMapping.TryGetErrorCode(e, out var code))
        {
            return (code, -1, -1);
        }
    }

    /// <summary>DescribeProducers: the idempotent producers a partition's log holds state for.</summary>
    public (ErrorCode Error, IReadOnlyCollection<ProducerStateEntry> Producers) DescribeProducers(TopicPartition topicPartition) =>
        _partitions.TryGetValue(topicPartition, out var partition) && partition.IsLeader
            ? (ErrorCode.None, partition.Log.ActiveProducers)
            : (PartitionError(topicPartition), []);

    // An append moved the high watermark, the epoch changed or the partition went away: only the
    // operations watching this partition are re-checked.
    private void OnPositionChanged(Partition partition)
    {
        DelayedFetches.CheckAndComplete(partition.TopicPartition);
        DelayedProduces.CheckAndComplete(partition.TopicPartition);
    }

    private void Apply(MetadataImage image)
    {
        List<FollowerAssignment>? followers = null;
        lock (_applyLock)
        {
            if (_disposed || image.Offset <= _appliedOffset && _appliedOffset != long.MinValue)
            {
                return;
            }
            _appliedOffset = image.Offset;
            LocalBrokerEpoch = image.Brokers.TryGetValue(NodeId, out var self) ? self.Epoch : -1;
            var hostedNow = new HashSet<TopicPartition>();
            followers = [];
            var nowMs = Environment.TickCount64;
            foreach (var topic in image.TopicsByName.Values)
            {
                IReadOnlyDictionary<string, string>? configs = null;
                foreach (var partitionImage in topic.Partitions.Values)
                {
                    var leads = partitionImage.Leader == NodeId;
                    if (!leads && !partitionImage.Replicas.Contains(NodeId))
                    {
                        continue;
                    }
                    var topicPartition = new TopicPartition(topic.Name, partitionImage.Partition);
                    hostedNow.Add(topicPartition);
                    try
                    {
                        configs ??= _options.TopicConfigs?.Invoke(image, topic) ?? topic.Configs;
                        var partition = ApplyReplica(image, topicPartition, topic, partitionImage, configs, nowMs);
                        if (!leads)
                        {
                            followers.Add(new FollowerAssignment(topicPartition, topic.TopicId, partitionImage.Leader, partitionImage.LeaderEpoch, partition));
                        }
                    }
                    catch (Exception e)
                    {
                        LogOpenFailure(e, topicPartition);
                    }
                }
            }
            foreach (var (topicPartition, partition) in _partitions)
            {
                if (hostedNow.Contains(topicPartition))
                {
                    continue;
                }
                // The log goes with the topic, or when the replica was moved off this node.
                var remaining = image.Partition(topicPartition.Topic, topicPartition.Partition);
                RemovePartition(topicPartition, partition, deleteLog: remaining is null || !remaining.Replicas.Contains(NodeId));
            }
            // Inside the lock so that the fetcher manager sees assignments in image order.
            FollowersChanged?.Invoke(followers);
        }
    }

    private Partition ApplyReplica(MetadataImage image, TopicPartition topicPartition, TopicImage topic, PartitionImage partitionImage, IReadOnlyDictionary<string, string> configs, long nowMs)
    {
        var view = partitionImage;
        var replication = new ReplicationOptions { MinInsyncReplicas = MinInsyncReplicasOf(configs), ReplicaLagTimeMaxMs = _options.ReplicaLagTimeMaxMs };
        if (_partitions.TryGetValue(topicPartition, out var existing))
        {
            if (existing.TopicId == topic.TopicId)
            {
                if (!SameConfigs(_appliedConfigs.GetValueOrDefault(topicPartition), configs))
                {
                    existing.UpdateLimits(ProduceLimits.From(configs, _options.ProduceLimits));
                    existing.Log.UpdateConfig(configs);
                    _appliedConfigs[topicPartition] = configs;
                }
                ApplyRole(image, existing, view, replication, nowMs);
                return existing;
            }
            // Same name, new topic id: the old topic was deleted and re-created.
            RemovePartition(topicPartition, existing, deleteLog: true);
        }
        var log = _logs.GetOrCreate(topicPartition, topic.TopicId, configs);
        var partition = new Partition(topicPartition, topic.TopicId, partitionImage.LeaderEpoch, log, ProduceLimits.From(configs, _options.ProduceLimits), _positionChanged);
        if (view.Replicas.Length > 1 && _options.HighWatermarkCheckpoint?.Invoke(topicPartition) is { } checkpointed)
        {
            // A replicated partition knows its committed prefix from the checkpoint, not from its log end.
            partition.RestoreHighWatermark(checkpointed);
        }
        else if (view.Replicas.Length > 1)
        {
            partition.RestoreHighWatermark(log.LogStartOffset);
        }
        ApplyRole(image, partition, view, replication, nowMs);
        _partitions[topicPartition] = partition;
        _appliedConfigs[topicPartition] = configs;
        LogPartitionOpened(topicPartition, view.Leader == NodeId ? "leader" : "follower", partitionImage.LeaderEpoch, log.LogStartOffset, log.LogEndOffset);
        return partition;
    }

    private void ApplyRole(MetadataImage image, Partition partition, PartitionImage view, ReplicationOptions replication, long nowMs)
    {
        if (view.Leader == NodeId)
        {
            partition.BecomeLeader(view, image.Brokers, NodeId, LocalBrokerEpoch, replication, nowMs);
        }
        else
        {
            partition.BecomeFollower(view);
        }
    }

    private int MinInsyncReplicasOf(IReadOnlyDictionary<string, string> configs) =>
        configs.TryGetValue("min.insync.replicas", out var value)
        && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= 1
            ? parsed
            : Math.Max(1, _options.MinInsyncReplicas);

    // Configs are rebuilt per image when dynamic broker configs are folded in, so compare contents, not references.
    private static bool SameConfigs(IReadOnlyDictionary<string, string>? applied, IReadOnlyDictionary<string, string> next) =>
        ReferenceEquals(applied, next)
        || applied is not null && applied.Count == next.Count && next.All(p => applied.TryGetValue(p.Key, out var v) && v == p.Value);

    private void RemovePartition(TopicPartition topicPartition, Partition partition, bool deleteLog)
    {
        _partitions.TryRemove(topicPartition, out _);
        _appliedConfigs.Remove(topicPartition);
        partition.Dispose();
        if (deleteLog)
        {
            try
            {
                _logs.Delete(topicPartition);
            }
            catch (Exception e)
            {
                LogStorageFailure(e, "delete", topicPartition);
            }
        }
        LogPartitionRemoved(topicPartition, deleteLog);
    }

    public void Dispose()
    {
        lock (_applyLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _subscription?.Dispose();
        foreach (var (topicPartition, partition) in _partitions)
        {
            _partitions.TryRemove(topicPartition, out _);
            partition.Dispose();
        }
        DelayedFetches.Dispose();
        DelayedProduces.Dispose();
        GregorMeter.Release(_meter);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Hosting {Partition} as {Role} (epoch {LeaderEpoch}, log [{LogStartOffset}, {LogEndOffset}))")]
    private partial void LogPartitionOpened(TopicPartition partition, string role, int leaderEpoch, long logStartOffset, long logEndOffset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Truncated follower {Partition} to {Offset} (leader epoch {LeaderEpoch})")]
    private partial void LogFollowerTruncated(TopicPartition partition, long offset, int leaderEpoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped hosting {Partition} (log deleted: {Deleted})")]
    private partial void LogPartitionRemoved(TopicPartition partition, bool deleted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not open the log of {Partition}")]
    private partial void LogOpenFailure(Exception exception, TopicPartition partition);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage failure during {Operation} on {Partition}")]
    private partial void LogStorageFailure(Exception exception, string operation, TopicPartition partition);
}
