using System.Collections.Concurrent;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Cluster.Replication;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Replication;

/// <summary>
/// Pulls the partitions this node follows from one source broker (their leader) over one outbound
/// Kafka connection (Kafka's ReplicaFetcherThread): a loop of full Fetch requests (v16: topic ids,
/// ReplicaState with this node's id and broker epoch, per partition the current leader epoch, the
/// fetch offset = local log end, and the last fetched epoch), bounded by
/// <see cref="ReplicaFetcherOptions"/>. Each partition of a response is applied in turn: records are
/// appended as received (offsets and epochs are the leader's), the leader's high watermark is
/// followed, a DivergingEpoch truncates the log (the replication core decides where), an offset
/// out of range restarts the log at the leader's log start, and an epoch or leadership error parks
/// the partition for the backoff (the next image moves it). A connection failure backs off and
/// reconnects, to the address the current image gives the source broker.
/// <para>Thread-safety: <see cref="Assign"/> and <see cref="Remove"/> may run concurrently with the
/// loop; responses for a partition whose assignment changed since its request are dropped.</para>
/// </summary>
public sealed partial class ReplicaFetcher : IAsyncDisposable
{
    /// <summary>Fetch v16: topic ids (v13), DivergingEpoch (v12), ReplicaState (v15).</summary>
    public const short FetchVersion = 16;

    private readonly ReplicaManager _replicas;
    private readonly IMetadataPublisher _metadata;
    private readonly ReplicaFetcherOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TopicPartition, Target> _partitions = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private KafkaClientConnection? _connection;

    private sealed class Target(Guid topicId, int leaderEpoch)
    {
        public Guid TopicId { get; } = topicId;
        public int LeaderEpoch { get; } = leaderEpoch;
        public long DelayUntilMs;
    }

    public ReplicaFetcher(int sourceBrokerId, ReplicaManager replicas, IMetadataPublisher metadata, ReplicaFetcherOptions options, ILogger logger)
    {
        SourceBrokerId = sourceBrokerId;
        _replicas = replicas;
        _metadata = metadata;
        _options = options;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public int SourceBrokerId { get; }

    /// <summary>Partitions fetched from this source.</summary>
    public int PartitionCount => _partitions.Count;

    /// <summary>Fetch responses applied (for tests and diagnostics).</summary>
    public long FetchesCompleted => Interlocked.Read(ref _fetchesCompleted);

    private long _fetchesCompleted;

    /// <summary>Fetches <paramref name="assignment"/>'s partition from here on (a new epoch replaces the old target).</summary>
    public void Assign(FollowerAssignment assignment)
    {
        var current = _partitions.GetValueOrDefault(assignment.TopicPartition);
        if (current is null || current.LeaderEpoch != assignment.LeaderEpoch || current.TopicId != assignment.TopicId)
        {
            _partitions[assignment.TopicPartition] = new Target(assignment.TopicId, assignment.LeaderEpoch);
            _wake.Release();
        }
    }

    public void Remove(TopicPartition topicPartition) => _partitions.TryRemove(topicPartition, out _);

    /// <summary>The partitions fetched from this source (a snapshot).</summary>
    public IReadOnlyCollection<TopicPartition> Partitions => [.. _partitions.Keys];

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var request = BuildRequest(Environment.TickCount64, out var sent);
                if (request is null)
                {
                    // Nothing to fetch yet (or every partition backing off): wait for an assignment or the backoff.
                    await _wake.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(100, Math.Max(1, _options.BackoffMs))), token).ConfigureAwait(false);
                    continue;
                }
                var connection = await ConnectAsync(token).ConfigureAwait(false);
                if (connection is null)
                {
                    await Task.Delay(_options.BackoffMs, token).ConfigureAwait(false);
                    continue;
                }
                FetchResponse response;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    timeout.CancelAfter(_options.MaxWaitMs + _options.RequestTimeoutMs);
                    try
                    {
                        response = (FetchResponse)await connection.SendAsync(request, FetchVersion, timeout.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or ProtocolException || e is OperationCanceledException && !token.IsCancellationRequested)
                    {
                        LogFetchFailed(e, SourceBrokerId);
                        await DropConnectionAsync().ConfigureAwait(false);
                        await Task.Delay(_options.BackoffMs, token).ConfigureAwait(false);
                        continue;
                    }
                }
                if (response.ErrorCode != 0)
                {
                    LogFetchError(SourceBrokerId, (ErrorCode)response.ErrorCode);
                    await Task.Delay(_options.BackoffMs, token).ConfigureAwait(false);
                    continue;
                }
                await ApplyAsync(response, sent, token).ConfigureAwait(false);
                Interlocked.Increment(ref _fetchesCompleted);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogFetcherFailed(e, SourceBrokerId);
                try
                {
                    await Task.Delay(_options.BackoffMs, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private FetchRequest? BuildRequest(long nowMs, out Dictionary<TopicPartition, Target> sent)
    {
        sent = [];
        FetchRequest? request = null;
        foreach (var (topicPartition, target) in _partitions)
        {
            if (target.DelayUntilMs > nowMs || _replicas.FollowerFetchPosition(topicPartition) is not { } position)
            {
                continue;
            }
            request ??= new FetchRequest
            {
                ReplicaState = new FetchRequest.ReplicaStateData { ReplicaId = _options.NodeId, ReplicaEpoch = _replicas.LocalBrokerEpoch },
                MaxWaitMs = _options.MaxWaitMs,
                MinBytes = _options.MinBytes,
                MaxBytes = _options.MaxResponseBytes,
                IsolationLevel = 0,
                SessionId = 0,
                SessionEpoch = -1,
            };
            var topic = request.Topics.Find(t => t.TopicId == target.TopicId);
            if (topic is null)
            {
                topic = new FetchRequest.FetchTopic { TopicId = target.TopicId, Topic = topicPartition.Topic };
                request.Topics.Add(topic);
            }
            topic.Partitions.Add(new FetchRequest.FetchPartition
            {
                Partition = topicPartition.Partition,
                CurrentLeaderEpoch = target.LeaderEpoch,
                FetchOffset = position.FetchOffset,
                LastFetchedEpoch = position.LastFetchedEpoch,
                LogStartOffset = position.LogStartOffset,
                PartitionMaxBytes = _options.MaxBytesPerPartition,
            });
            sent[topicPartition] = target;
        }
        return request;
    }

    private async Task ApplyAsync(FetchResponse response, Dictionary<TopicPartition, Target> sent, CancellationToken token)
    {
        foreach (var topic in response.Responses)
        {
            foreach (var data in topic.Partitions)
            {
                var match = sent.FirstOrDefault(s => s.Value.TopicId == topic.TopicId && s.Key.Partition == data.PartitionIndex);
                if (match.Value is not { } target || !ReferenceEquals(_partitions.GetValueOrDefault(match.Key), target))
                {
                    continue; // reassigned since the request: the answer is for an old epoch
                }
                await ApplyPartitionAsync(match.Key, target, data, token).ConfigureAwait(false);
            }
        }
    }

    private async Task ApplyPartitionAsync(TopicPartition topicPartition, Target target, FetchResponse.PartitionData data, CancellationToken token)
    {
        var error = (ErrorCode)data.ErrorCode;
        try
        {
            switch (error)
            {
                case ErrorCode.None when data.DivergingEpoch.Epoch >= 0 || data.DivergingEpoch.EndOffset >= 0:
                    var decision = _replicas.TruncateOnDivergence(topicPartition, target.LeaderEpoch,
                        new EpochEndOffset(data.DivergingEpoch.Epoch, data.DivergingEpoch.EndOffset));
                    LogDiverged(topicPartition, SourceBrokerId, data.DivergingEpoch.Epoch, data.DivergingEpoch.EndOffset, decision?.TruncateTo ?? -1);
                    break;
                case ErrorCode.None:
                    await _replicas.AppendAsFollowerAsync(topicPartition, target.LeaderEpoch, data.Records ?? ReadOnlyMemory<byte>.Empty, data.HighWatermark, token)
                        .ConfigureAwait(false);
                    break;
                case ErrorCode.OffsetOutOfRange:
                    // Behind the leader's log start: restart there. Ahead of its log end (it lost
                    // data, an unclean election): cut back to its high watermark and fetch on.
                    var position = _replicas.FollowerFetchPosition(topicPartition);
                    if (position is { } p && data.LogStartOffset >= 0 && p.FetchOffset < data.LogStartOffset)
                    {
                        _replicas.TruncateFollower(topicPartition, target.LeaderEpoch, data.LogStartOffset, fully: true);
                    }
                    else if (data.HighWatermark >= 0)
                    {
                        _replicas.TruncateFollower(topicPartition, target.LeaderEpoch, data.HighWatermark);
                    }
                    else
                    {
                        Park(target);
                    }
                    break;
                default:
                    // FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER, unknown
                    // topic…: one side has not seen the latest image yet; the next one settles it.
                    LogPartitionError(topicPartition, SourceBrokerId, error);
                    Park(target);
                    break;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogApplyFailed(e, topicPartition, SourceBrokerId);
            Park(target);
        }
    }

    private void Park(Target target) => target.DelayUntilMs = Environment.TickCount64 + _options.BackoffMs;

    private async Task<KafkaClientConnection?> ConnectAsync(CancellationToken token)
    {
        if (_connection is { IsClosed: false } open)
        {
            return open;
        }
        await DropConnectionAsync().ConfigureAwait(false);
        if (!_metadata.Current.Brokers.TryGetValue(SourceBrokerId, out var broker))
        {
            return null;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            _connection = await KafkaClientConnection.ConnectAsync(broker.Host, broker.Port, $"gregor-replica-fetcher-{_options.NodeId}", 1, timeout.Token)
                .ConfigureAwait(false);
            return _connection;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException || e is OperationCanceledException && !token.IsCancellationRequested)
        {
            LogConnectFailed(SourceBrokerId, broker.Host, broker.Port, e.Message);
            return null;
        }
    }

    private async Task DropConnectionAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await DropConnectionAsync().ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetch from broker {Source} failed")]
    private partial void LogFetchFailed(Exception exception, int source);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fetch from broker {Source} answered {Error}")]
    private partial void LogFetchError(int source, ErrorCode error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica fetcher for broker {Source} failed; retrying")]
    private partial void LogFetcherFailed(Exception exception, int source);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Partition}: leader {Source} reports diverging epoch {Epoch} ending at {EndOffset}; truncated to {TruncatedTo}")]
    private partial void LogDiverged(TopicPartition partition, int source, int epoch, long endOffset, long truncatedTo);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Partition}: fetch from broker {Source} answered {Error}; backing off")]
    private partial void LogPartitionError(TopicPartition partition, int source, ErrorCode error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Partition}: applying the fetch from broker {Source} failed")]
    private partial void LogApplyFailed(Exception exception, TopicPartition partition, int source);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cannot connect to broker {Source} at {Host}:{Port}: {Reason}")]
    private partial void LogConnectFailed(int source, string host, int port, string reason);
}
