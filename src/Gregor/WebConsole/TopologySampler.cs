using System.Text.Json;
using Gregor.Broker.Groups;
using Gregor.Broker.Lifecycle;
using Gregor.Broker.Traffic;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.WebConsole;

/// <summary>
/// Takes the console's picture of the cluster once a second, in-process: brokers, topics and
/// partitions from the controller's metadata image, offsets and sizes from the replica manager,
/// producers from the <see cref="ProduceTrafficTracker"/>, groups with members, assignments,
/// committed offsets and lag from the group coordinator, request rates from
/// <see cref="RequestMetricsListener"/>. Rates are differences between two samples; lag per group
/// partition is kept for the last <see cref="HistorySamples"/> samples (the group view's chart).
/// <para>
/// Lifecycle: sampling starts with the first <see cref="Observe"/> (a console request) and pauses
/// when no one has looked for <see cref="IdleAfter"/>, so a broker nobody watches does no console
/// work; it ends with the token given at construction. One loop writes the state; readers get
/// immutable <see cref="ConsoleSample"/>s, so everything public is thread-safe.
/// </para>
/// </summary>
internal sealed class TopologySampler
{
    public const int HistorySamples = 180;
    public const int MaxGroups = 256;
    public const int MaxPartitionsShown = 4096;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(2);

    private readonly IController _controller;
    private readonly ReplicaManager? _replicas;
    private readonly GroupCoordinator _groups;
    private readonly ProduceTrafficTracker _traffic;
    private readonly RequestMetricsListener _requests;
    private readonly NodeLifecycle _lifecycle;
    private readonly CancellationToken _stopping;
    private readonly object _startLock = new();
    private Task? _loop;
    private long _lastObservedMs;
    private ConsoleSample? _latest;
    private TaskCompletionSource<ConsoleSample> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Previous sample's cumulative values, for rates; written by the loop only.
    private long _previousMs;
    private Dictionary<TopicPartition, long> _previousEnds = [];
    private Dictionary<(string, string), (long Records, long Bytes)> _previousProduced = [];
    private Dictionary<(string, string), long> _previousConsumed = [];
    private Dictionary<string, (long Count, double Seconds)> _previousRequests = [];
    private readonly Dictionary<string, Queue<object>> _lagHistory = new(StringComparer.Ordinal);

    public TopologySampler(
        IController controller,
        ReplicaManager? replicas,
        GroupCoordinator groups,
        ProduceTrafficTracker traffic,
        RequestMetricsListener requests,
        NodeLifecycle lifecycle,
        CancellationToken stopping)
    {
        _controller = controller;
        _replicas = replicas;
        _groups = groups;
        _traffic = traffic;
        _requests = requests;
        _lifecycle = lifecycle;
        _stopping = stopping;
    }

    public ConsoleSample? Latest => Volatile.Read(ref _latest);

    /// <summary>Someone looks at the console: keep (or start) sampling.</summary>
    public void Observe()
    {
        Volatile.Write(ref _lastObservedMs, Environment.TickCount64);
        if (_loop is null)
        {
            lock (_startLock)
            {
                _loop ??= Task.Run(RunAsync);
            }
        }
    }

    /// <summary>The latest sample, or the first one once taken.</summary>
    public Task<ConsoleSample> CurrentAsync(CancellationToken cancellationToken)
    {
        Observe();
        return Latest is { } latest ? Task.FromResult(latest) : NextAsync(cancellationToken);
    }

    /// <summary>Completes with the next sample taken.</summary>
    public Task<ConsoleSample> NextAsync(CancellationToken cancellationToken)
    {
        Observe();
        return Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);
    }

    /// <summary>Lag samples of <paramref name="groupId"/>, oldest first: <c>{ time, partitions: { "topic/p": lag } }</c>.</summary>
    public IReadOnlyList<object> LagHistory(string groupId)
    {
        lock (_lagHistory)
        {
            return _lagHistory.TryGetValue(groupId, out var queue) ? [.. queue] : [];
        }
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            if (Environment.TickCount64 - Volatile.Read(ref _lastObservedMs) > IdleAfter.TotalMilliseconds)
            {
                continue;
            }
            ConsoleSample sample;
            try
            {
                sample = await TakeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A coordinator or log closing under us (shutdown, a partition moving): skip this tick.
                continue;
            }
            Volatile.Write(ref _latest, sample);
            Interlocked.Exchange(ref _next, new TaskCompletionSource<ConsoleSample>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(sample);
        }
        while (await WaitAsync(timer).ConfigureAwait(false));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<ConsoleSample> TakeAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var seconds = _previousMs == 0 ? 0 : Math.Max(0.001, (now - _previousMs) / 1000.0);
        double Rate(long delta) => seconds == 0 || delta <= 0 ? 0 : Math.Round(delta / seconds, 1);

        var image = _controller.Current;
        var state = _lifecycle.State;

        // Topics and partitions: placement from the image, offsets and sizes from the local replicas.
        var ends = new Dictionary<TopicPartition, long>();
        var shown = 0;
        var topics = new List<object>();
        foreach (var topic in image.TopicsByName.Values.OrderBy(t => t.IsInternal).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            var partitions = new List<object>();
            var topicRate = 0.0;
            long topicSize = 0;
            long topicRecords = 0;
            foreach (var p in topic.Partitions.Values.OrderBy(p => p.Partition))
            {
                var tp = new TopicPartition(topic.Name, p.Partition);
                var (start, end, size, segments) = Offsets(tp);
                ends[tp] = end;
                var rate = _previousEnds.TryGetValue(tp, out var before) ? Rate(end - before) : 0;
                topicRate += rate;
                topicSize += Math.Max(0, size);
                topicRecords += Math.Max(0, end - Math.Max(0, start));
                if (shown++ < MaxPartitionsShown)
                {
                    partitions.Add(new
                    {
                        partition = p.Partition,
                        leader = p.Leader,
                        replicas = p.Replicas,
                        isr = p.Isr,
                        logStartOffset = start,
                        highWatermark = end,
                        sizeBytes = size,
                        segments,
                        inRecordsPerSec = rate,
                    });
                }
            }
            topics.Add(new
            {
                name = topic.Name,
                id = topic.TopicId,
                @internal = topic.IsInternal,
                partitionCount = topic.Partitions.Count,
                replicationFactor = topic.Partitions.Values.FirstOrDefault()?.Replicas.Length ?? 0,
                inRecordsPerSec = Math.Round(topicRate, 1),
                sizeBytes = topicSize,
                records = topicRecords,
                partitions,
            });
        }

        // Producers by client id, with what each sends to which topic.
        var produced = new Dictionary<(string, string), (long, long)>();
        var producers = new List<object>();
        foreach (var byClient in _traffic.Snapshot().GroupBy(t => t.ClientId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var perTopic = new List<object>();
            double clientRecords = 0, clientBytes = 0;
            foreach (var t in byClient.OrderBy(t => t.Topic, StringComparer.Ordinal))
            {
                produced[(t.ClientId, t.Topic)] = (t.Records, t.Bytes);
                var (recordsBefore, bytesBefore) = _previousProduced.TryGetValue((t.ClientId, t.Topic), out var b) ? b : (t.Records, t.Bytes);
                var recordsRate = Rate(t.Records - recordsBefore);
                var bytesRate = Rate(t.Bytes - bytesBefore);
                clientRecords += recordsRate;
                clientBytes += bytesRate;
                perTopic.Add(new { topic = t.Topic, records = t.Records, bytes = t.Bytes, recordsPerSec = recordsRate, bytesPerSec = bytesRate, lastProduceMs = t.LastProduceUnixMs });
            }
            producers.Add(new
            {
                clientId = byClient.Key,
                recordsPerSec = Math.Round(clientRecords, 1),
                bytesPerSec = Math.Round(clientBytes, 1),
                lastProduceMs = byClient.Max(t => t.LastProduceUnixMs),
                topics = perTopic,
            });
        }

        // Groups: members and assignments, committed offsets against the high watermarks.
        var consumed = new Dictionary<(string, string), long>();
        var groups = new List<object>();
        var groupViews = new Dictionary<string, object>(StringComparer.Ordinal);
        var lagSamples = new Dictionary<string, object>(StringComparer.Ordinal);
        if (state == LifecycleState.Running)
        {
            var (listError, summaries) = await _groups.ListGroupsAsync(null, _stopping).ConfigureAwait(false);
            if (listError == ErrorCode.None)
            {
                foreach (var summary in summaries.OrderBy(g => g.GroupId, StringComparer.Ordinal).Take(MaxGroups))
                {
                    var description = await _groups.DescribeGroupAsync(summary.GroupId, _stopping).ConfigureAwait(false);
                    var offsets = await _groups.FetchOffsetsAsync(summary.GroupId, null, _stopping).ConfigureAwait(false);
                    var members = description.Members.Select(m => new
                    {
                        memberId = m.MemberId,
                        groupInstanceId = m.GroupInstanceId,
                        clientId = m.ClientId,
                        host = m.ClientHost,
                        assignment = (summary.ProtocolType == "consumer" ? ConsumerAssignmentReader.Read(m.Assignment) : [])
                            .Select(a => new { topic = a.Topic, partitions = a.Partitions }).ToList(),
                    }).ToList();
                    var lagByPartition = new Dictionary<string, long>(StringComparer.Ordinal);
                    var groupTopics = new List<object>();
                    long groupLag = 0;
                    foreach (var byTopic in offsets.Partitions.Where(o => o.Offset is not null).GroupBy(o => o.Topic).OrderBy(g => g.Key, StringComparer.Ordinal))
                    {
                        long topicLag = 0, committedSum = 0;
                        var partitions = new List<object>();
                        foreach (var o in byTopic.OrderBy(o => o.Partition))
                        {
                            var committed = o.Offset!.Offset;
                            var end = ends.TryGetValue(new TopicPartition(o.Topic, o.Partition), out var e) ? e : -1;
                            long? lag = end < 0 ? null : Math.Max(0, end - committed);
                            topicLag += lag ?? 0;
                            committedSum += committed;
                            lagByPartition[$"{o.Topic}/{o.Partition}"] = lag ?? 0;
                            partitions.Add(new { partition = o.Partition, committedOffset = committed, highWatermark = end, lag, commitTimestampMs = o.Offset.CommitTimestampMs });
                        }
                        consumed[(summary.GroupId, byTopic.Key)] = committedSum;
                        var consumeRate = _previousConsumed.TryGetValue((summary.GroupId, byTopic.Key), out var sumBefore) ? Rate(committedSum - sumBefore) : 0;
                        groupLag += topicLag;
                        groupTopics.Add(new { topic = byTopic.Key, lag = topicLag, recordsPerSec = consumeRate, partitions });
                    }
                    // Topics members are assigned but have not committed yet still get an arrow.
                    foreach (var assigned in members.SelectMany(m => m.assignment).Select(a => a.topic).Distinct().Where(t => !consumed.ContainsKey((summary.GroupId, t))))
                    {
                        groupTopics.Add(new { topic = assigned, lag = 0L, recordsPerSec = 0.0, partitions = new List<object>() });
                    }
                    var view = new
                    {
                        id = summary.GroupId,
                        state = description.State.ToString(),
                        protocolType = summary.ProtocolType,
                        protocol = description.Protocol,
                        lag = groupLag,
                        members,
                        topics = groupTopics,
                    };
                    groups.Add(view);
                    groupViews[summary.GroupId] = view;
                    lagSamples[summary.GroupId] = new { time = now, lag = groupLag, partitions = lagByPartition };
                }
            }
        }
        lock (_lagHistory)
        {
            foreach (var gone in _lagHistory.Keys.Where(g => !lagSamples.ContainsKey(g)).ToList())
            {
                _lagHistory.Remove(gone);
            }
            foreach (var (groupId, lagSample) in lagSamples)
            {
                if (!_lagHistory.TryGetValue(groupId, out var queue))
                {
                    _lagHistory[groupId] = queue = new Queue<object>();
                }
                queue.Enqueue(lagSample);
                while (queue.Count > HistorySamples)
                {
                    queue.Dequeue();
                }
            }
        }

        // Requests per API since the previous sample.
        var requestTotals = _requests.Snapshot();
        var requests = requestTotals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r =>
        {
            var (countBefore, secondsBefore) = _previousRequests.TryGetValue(r.Key, out var b) ? b : (r.Value.Count, r.Value.Seconds);
            var count = r.Value.Count - countBefore;
            return (object)new
            {
                api = r.Key,
                total = r.Value.Count,
                perSec = Rate(count),
                meanMs = count > 0 ? Math.Round((r.Value.Seconds - secondsBefore) * 1000 / count, 3) : 0,
                meanMsAllTime = r.Value.Count > 0 ? Math.Round(r.Value.Seconds * 1000 / r.Value.Count, 3) : 0,
            };
        }).ToList();

        var snapshot = new
        {
            time = now,
            state = state.ToString().ToLowerInvariant(),
            clusterId = image.ClusterId,
            controllerId = image.ControllerId,
            nodeId = _controller.Configs.NodeId,
            brokers = image.Brokers.Values.OrderBy(b => b.NodeId).Select(b => new
            {
                id = b.NodeId,
                host = b.Host,
                port = b.Port,
                rack = b.Rack,
                fenced = b.Fenced,
                self = b.NodeId == _controller.Configs.NodeId,
            }).ToList(),
            topics,
            producers,
            groups,
            requests,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(snapshot, ConsoleJson.Options);

        _previousMs = now;
        _previousEnds = ends;
        _previousProduced = produced;
        _previousConsumed = consumed;
        _previousRequests = requestTotals.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);
        return new ConsoleSample(now, json, groupViews, requests);
    }

    /// <summary>Log start, high watermark, bytes and segments of a local replica; -1s when not hosted here.</summary>
    private (long Start, long End, long Size, int Segments) Offsets(TopicPartition tp)
    {
        if (_replicas is null || !_replicas.TryGetPartition(tp, out var partition))
        {
            return (-1, -1, -1, 0);
        }
        return partition.Log is StorageReplicaLog storage
            ? (partition.LogStartOffset, partition.HighWatermark, storage.PartitionLog.Size, storage.PartitionLog.SegmentCount)
            : (partition.LogStartOffset, partition.HighWatermark, -1, 0);
    }
}
