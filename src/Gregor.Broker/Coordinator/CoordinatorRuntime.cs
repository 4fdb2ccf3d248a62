using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Coordinator;

/// <summary>
/// Runs coordinator shards over the partitions of a compacted internal topic (Kafka's
/// <c>CoordinatorRuntime</c>): one <typeparamref name="TShard"/> per partition this node
/// coordinates, each with its own event loop, queue and <see cref="CoordinatorTimer{TRecord}"/>.
/// <list type="bullet">
/// <item><b>Loading.</b> <see cref="LoadAsync"/> creates the partition's context (requests now get
/// COORDINATOR_LOAD_IN_PROGRESS), replays the partition into a fresh shard as the loop's first
/// event, then serves. <see cref="UnloadAsync"/> cancels the timers, tells the shard, and answers
/// what is still queued with NOT_COORDINATOR. A partition without a context is not coordinated
/// here: NOT_COORDINATOR.</item>
/// <item><b>Serialized operations.</b> Every read, write and timer of a partition runs on its
/// loop, one at a time, in the order scheduled, so shards need no locks. A write returns records
/// and a response; the loop appends the records, waits until they are durable, replays them
/// (see <see cref="CoordinatorResult{TResponse, TRecord}"/>) and only then completes the response.
/// The next event of the partition waits for that append, so the in-memory state a read sees is
/// always the committed state and records reach the log in decision order. A failed append fails
/// the response (COORDINATOR_NOT_AVAILABLE) and leaves replayed state unchanged.</item>
/// <item><b>Bounds.</b> At most <see cref="CoordinatorRuntimeOptions.MaxQueuedEventsPerPartition"/>
/// requests wait per partition; more are refused with COORDINATOR_NOT_AVAILABLE.</item>
/// </list>
/// Errors reach callers as Kafka error codes through the <c>onError</c> mapping each operation
/// passes, never as exceptions. Thread-safe: operations may be scheduled from any thread.
/// </summary>
public sealed class CoordinatorRuntime<TShard, TRecord> : IAsyncDisposable
    where TShard : class, ICoordinatorShard<TRecord>
{
    private readonly CoordinatorRuntimeOptions _options;
    private readonly ICoordinatorLog<TRecord> _log;
    private readonly CoordinatorLoader<TRecord> _loader;
    private readonly Func<CoordinatorShardContext<TRecord>, TShard> _createShard;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CoordinatorRuntimeMetrics _metrics;
    private readonly ConcurrentDictionary<int, PartitionContext> _partitions = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _disposed;

    /// <summary>How long <see cref="DisposeAsync"/> lets queued operations finish before cancelling appends.</summary>
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    public CoordinatorRuntime(
        CoordinatorRuntimeOptions options,
        ICoordinatorLog<TRecord> log,
        Func<CoordinatorShardContext<TRecord>, TShard> createShard,
        TimeProvider time,
        ILogger? logger = null,
        IMeterFactory? meterFactory = null)
    {
        _options = options;
        _log = log;
        _loader = new CoordinatorLoader<TRecord>(log);
        _createShard = createShard;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _metrics = new CoordinatorRuntimeMetrics(meterFactory, options.Name, () => QueuedEvents, PartitionsByState);
    }

    /// <summary>Requests waiting in every partition's queue (timer and control events not counted).</summary>
    public long QueuedEvents => _partitions.Values.Sum(p => (long)p.QueuedRequests);

    /// <summary>The partitions this node coordinates or is loading, ascending.</summary>
    public IReadOnlyList<int> Partitions => [.. _partitions.Keys.Order()];

    /// <summary>The loaded shards (metrics that sum over shards read them; they may be mid-operation).</summary>
    public IEnumerable<TShard> ActiveShards =>
        _partitions.Values.Where(p => p.State == CoordinatorShardState.Active && p.Shard is not null).Select(p => p.Shard!);

    /// <summary>The partition's state; null when this node does not coordinate it.</summary>
    public CoordinatorShardState? StateOf(int partition) => _partitions.TryGetValue(partition, out var p) ? p.State : null;

    /// <summary>The partition's timer count (tests check it stays bounded); 0 when not coordinated here.</summary>
    public int TimerCount(int partition) => _partitions.TryGetValue(partition, out var p) ? p.Timer.Count : 0;

    /// <summary>
    /// Becomes the coordinator of <paramref name="partition"/>: requests get
    /// COORDINATOR_LOAD_IN_PROGRESS from now until the replay finished. Loading a partition that
    /// is already loading or loaded at this epoch or a newer one returns that load; a failed one
    /// is loaded again. The task fails when the replay does (the partition is then Failed).
    /// </summary>
    public Task<CoordinatorLoadSummary> LoadAsync(int partition, int epoch, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            if (_partitions.TryGetValue(partition, out var existing))
            {
                if (existing.State != CoordinatorShardState.Failed && existing.Epoch >= epoch)
                {
                    return existing.Loaded.Task;
                }
                // A failed load or an older epoch: replace it once it has stopped.
                return ReplaceAsync(existing);
            }
            var context = new PartitionContext(this, partition, epoch);
            if (!_partitions.TryAdd(partition, context))
            {
                continue;
            }
            context.Start();
            context.Enqueue(new LoadEvent(cancellationToken), bounded: false);
            return context.Loaded.Task;
        }

        async Task<CoordinatorLoadSummary> ReplaceAsync(PartitionContext existing)
        {
            await UnloadAsync(partition, existing.Epoch).ConfigureAwait(false);
            return await LoadAsync(partition, epoch, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops coordinating <paramref name="partition"/> (resignation) when its epoch is at most
    /// <paramref name="epoch"/> (-1: any): new requests get NOT_COORDINATOR at once, the
    /// operation running now finishes, queued ones get NOT_COORDINATOR, timers are cancelled and
    /// the shard is told. Completes when the partition's loop has ended.
    /// </summary>
    public Task UnloadAsync(int partition, int epoch)
    {
        if (!_partitions.TryGetValue(partition, out var context) || (epoch >= 0 && context.Epoch > epoch))
        {
            return Task.CompletedTask;
        }
        if (!_partitions.TryRemove(new KeyValuePair<int, PartitionContext>(partition, context)))
        {
            return Task.CompletedTask;
        }
        context.Close();
        return context.Loop;
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on the partition's loop; appends the records it returns
    /// and completes with its response once they are durable. <paramref name="onError"/> turns
    /// NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE (queue full or
    /// append failed) or UNKNOWN_SERVER_ERROR (the operation threw) into a response.
    /// </summary>
    public Task<TResponse> ScheduleWriteOperation<TResponse>(
        string name,
        int partition,
        Func<TShard, CoordinatorResult<TResponse, TRecord>> operation,
        Func<ErrorCode, TResponse> onError)
    {
        var write = new WriteEvent<TResponse>(name, operation, onError);
        Schedule(partition, write);
        return write.Response;
    }

    /// <summary>
    /// Runs a read-only <paramref name="operation"/> on the partition's loop, in order with the
    /// writes: it sees every write scheduled before it, committed. It must not change the shard.
    /// </summary>
    public Task<TResponse> ScheduleReadOperation<TResponse>(
        string name,
        int partition,
        Func<TShard, TResponse> operation,
        Func<ErrorCode, TResponse> onError)
    {
        var read = new ReadEvent<TResponse>(name, operation, onError);
        Schedule(partition, read);
        return read.Response;
    }

    private void Schedule(int partition, RequestEvent request)
    {
        if (!_partitions.TryGetValue(partition, out var context))
        {
            request.Fail(ErrorCode.NotCoordinator);
            return;
        }
        var error = ErrorFor(context.State);
        if (error != ErrorCode.None)
        {
            request.Fail(error);
            return;
        }
        if (!context.Enqueue(request, bounded: true))
        {
            request.Fail(context.State == CoordinatorShardState.Active ? ErrorCode.CoordinatorNotAvailable : ErrorCode.NotCoordinator);
        }
    }

    private static ErrorCode ErrorFor(CoordinatorShardState state) => state switch
    {
        CoordinatorShardState.Active => ErrorCode.None,
        CoordinatorShardState.Loading => ErrorCode.CoordinatorLoadInProgress,
        _ => ErrorCode.NotCoordinator,
    };

    private IEnumerable<Measurement<int>> PartitionsByState()
    {
        foreach (var group in _partitions.Values.GroupBy(p => p.State))
        {
            yield return new Measurement<int>(group.Count(), _metrics.CoordinatorTag, new("state", group.Key.ToString()));
        }
    }

    /// <summary>
    /// Unloads every partition and waits for their loops: queued operations finish first; an
    /// append still stuck after <see cref="ShutdownGrace"/> (a dead disk) is cancelled.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        var unloads = Task.WhenAll(_partitions.Keys.Select(p => UnloadAsync(p, -1)).ToList());
        try
        {
            await unloads.WaitAsync(ShutdownGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await unloads.ConfigureAwait(false);
        }
        _stopping.Dispose();
        _metrics.Dispose();
    }

    /// <summary>Appends a write's records, replays them, runs its callbacks; NONE or the error its response carries.</summary>
    private async ValueTask<ErrorCode> CommitAsync<TResponse>(PartitionContext context, string name, CoordinatorResult<TResponse, TRecord> result)
    {
        if (result.Records.Count > 0)
        {
            try
            {
                await _log.AppendAsync(context.Partition, result.Records, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                CoordinatorRuntimeLog.AppendFailed(_logger, ex, _options.Name, name, context.Partition);
                result.OnAppendFailed?.Invoke(ex);
                return ErrorCode.CoordinatorNotAvailable;
            }
            if (result.ReplayRecords)
            {
                foreach (var record in result.Records)
                {
                    context.Shard!.Replay(record);
                }
            }
        }
        result.OnAppended?.Invoke();
        return ErrorCode.None;
    }

    /// <summary>
    /// One coordinated partition: state, shard, timer, and the event loop that owns them. The
    /// queue is unbounded as a channel; requests are counted against the bound by hand so that
    /// timer and control events are never refused.
    /// </summary>
    private sealed class PartitionContext
    {
        private readonly CoordinatorRuntime<TShard, TRecord> _runtime;
        private int _queuedRequests;
        private volatile CoordinatorShardState _state = CoordinatorShardState.Loading;

        public PartitionContext(CoordinatorRuntime<TShard, TRecord> runtime, int partition, int epoch)
        {
            _runtime = runtime;
            Partition = partition;
            Epoch = epoch;
            Timer = new CoordinatorTimer<TRecord>(runtime._time, entry => Enqueue(new TimerEvent(entry), bounded: false));
        }

        public int Partition { get; }
        public int Epoch { get; }
        public int QueuedRequests => Volatile.Read(ref _queuedRequests);
        public CoordinatorRuntime<TShard, TRecord> Runtime => _runtime;
        public CoordinatorTimer<TRecord> Timer { get; }
        public Channel<CoordinatorEvent> Queue { get; } = Channel.CreateUnbounded<CoordinatorEvent>(new UnboundedChannelOptions { SingleReader = true });
        public TaskCompletionSource<CoordinatorLoadSummary> Loaded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Loop { get; private set; } = Task.CompletedTask;
        public TShard? Shard { get; set; }

        public CoordinatorShardState State
        {
            get => _state;
            set => _state = value;
        }

        public void Start() => Loop = Task.Run(RunAsync);

        public bool Enqueue(CoordinatorEvent e, bool bounded)
        {
            if (bounded && Interlocked.Increment(ref _queuedRequests) > _runtime._options.MaxQueuedEventsPerPartition)
            {
                Interlocked.Decrement(ref _queuedRequests);
                _runtime._metrics.Rejected();
                return false;
            }
            e.Bounded = bounded;
            e.EnqueuedAt = Stopwatch.GetTimestamp();
            if (Queue.Writer.TryWrite(e))
            {
                return true;
            }
            if (bounded)
            {
                Interlocked.Decrement(ref _queuedRequests);
            }
            return false;
        }

        /// <summary>Queues the unload; events behind it find the partition Closed.</summary>
        public void Close()
        {
            Enqueue(new UnloadEvent(), bounded: false);
            Queue.Writer.TryComplete();
        }

        private async Task RunAsync()
        {
            var reader = Queue.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var e))
                {
                    if (e.Bounded)
                    {
                        Interlocked.Decrement(ref _queuedRequests);
                    }
                    var started = Stopwatch.GetTimestamp();
                    _runtime._metrics.QueueTime(Stopwatch.GetElapsedTime(e.EnqueuedAt, started));
                    try
                    {
                        await e.RunAsync(this).ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        CoordinatorRuntimeLog.OperationFailed(_runtime._logger, ex, _runtime._options.Name, e.Name, Partition);
                        e.Fail(ErrorCode.UnknownServerError);
                    }
                    _runtime._metrics.ProcessingTime(Stopwatch.GetElapsedTime(started));
                }
            }
        }
    }

    private abstract class CoordinatorEvent
    {
        public bool Bounded { get; set; }
        public long EnqueuedAt { get; set; }
        public abstract string Name { get; }

        public abstract ValueTask RunAsync(PartitionContext context);

        /// <summary>Answers an event that could not run (or threw) with <paramref name="error"/>.</summary>
        public abstract void Fail(ErrorCode error);
    }

    /// <summary>A read or write from a request: refused by state or bound before it is queued.</summary>
    private abstract class RequestEvent : CoordinatorEvent;

    private sealed class WriteEvent<TResponse>(
        string name,
        Func<TShard, CoordinatorResult<TResponse, TRecord>> operation,
        Func<ErrorCode, TResponse> onError) : RequestEvent
    {
        private readonly TaskCompletionSource<TResponse> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => name;
        public Task<TResponse> Response => _response.Task;

        public override async ValueTask RunAsync(PartitionContext context)
        {
            var error = ErrorFor(context.State);
            if (error != ErrorCode.None)
            {
                Fail(error);
                return;
            }
            var result = operation(context.Shard!);
            error = await context.Runtime.CommitAsync(context, name, result).ConfigureAwait(false);
            if (error == ErrorCode.None)
            {
                _response.TrySetResult(result.Response);
            }
            else
            {
                Fail(error);
            }
        }

        public override void Fail(ErrorCode error) => _response.TrySetResult(onError(error));
    }

    private sealed class ReadEvent<TResponse>(string name, Func<TShard, TResponse> operation, Func<ErrorCode, TResponse> onError) : RequestEvent
    {
        private readonly TaskCompletionSource<TResponse> _response = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override string Name => name;
        public Task<TResponse> Response => _response.Task;

        public override ValueTask RunAsync(PartitionContext context)
        {
            var error = ErrorFor(context.State);
            if (error != ErrorCode.None)
            {
                Fail(error);
                return ValueTask.CompletedTask;
            }
            _response.TrySetResult(operation(context.Shard!));
            return ValueTask.CompletedTask;
        }

        public override void Fail(ErrorCode error) => _response.TrySetResult(onError(error));
    }

    private sealed class TimerEvent(CoordinatorTimer<TRecord>.Entry entry) : CoordinatorEvent
    {
        public override string Name => entry.Key;

        public override async ValueTask RunAsync(PartitionContext context)
        {
            if (context.State != CoordinatorShardState.Active || !context.Timer.TryTake(entry))
            {
                return;
            }
            await context.Runtime.CommitAsync(context, entry.Key, entry.Operation()).ConfigureAwait(false);
        }

        public override void Fail(ErrorCode error)
        {
        }
    }

    private sealed class LoadEvent(CancellationToken cancellationToken) : CoordinatorEvent
    {
        public override string Name => "load";

        public override async ValueTask RunAsync(PartitionContext context)
        {
            var runtime = context.Runtime;
            if (context.State != CoordinatorShardState.Loading)
            {
                context.Loaded.TrySetCanceled(CancellationToken.None);
                return;
            }
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, runtime._stopping.Token);
                var shard = runtime._createShard(new CoordinatorShardContext<TRecord>(context.Partition, context.Timer, runtime._time));
                context.Shard = shard;
                var summary = await runtime._loader.LoadAsync(context.Partition, shard, linked.Token).ConfigureAwait(false);
                context.State = CoordinatorShardState.Active;
                runtime._metrics.LoadTime(summary.Elapsed);
                CoordinatorRuntimeLog.Loaded(runtime._logger, runtime._options.Name, context.Partition, context.Epoch, summary.Records, (long)summary.Elapsed.TotalMilliseconds);
                context.Loaded.TrySetResult(summary);
            }
            catch (Exception ex)
            {
                context.State = CoordinatorShardState.Failed;
                context.Timer.Close();
                context.Shard = null;
                CoordinatorRuntimeLog.LoadFailed(runtime._logger, ex, runtime._options.Name, context.Partition, context.Epoch);
                context.Loaded.TrySetException(ex);
            }
        }

        public override void Fail(ErrorCode error)
        {
        }
    }

    private sealed class UnloadEvent : CoordinatorEvent
    {
        public override string Name => "unload";

        public override ValueTask RunAsync(PartitionContext context)
        {
            var wasActive = context.State == CoordinatorShardState.Active;
            context.State = CoordinatorShardState.Closed;
            context.Timer.Close();
            context.Loaded.TrySetCanceled(CancellationToken.None);
            if (wasActive)
            {
                context.Shard!.OnUnloaded();
            }
            CoordinatorRuntimeLog.Unloaded(context.Runtime._logger, context.Runtime._options.Name, context.Partition, context.Epoch);
            return ValueTask.CompletedTask;
        }

        public override void Fail(ErrorCode error)
        {
        }
    }
}
