using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Quorum;

/// <summary>
/// The production Raft driver: one event-loop thread that runs the sans-I/O <see cref="RaftReplica"/>
/// (and everything registered with it — metadata loader, controller core — plus the periodic
/// <see cref="AddTicker">tickers</see>: the controller's timers, the broker lifecycle manager) over
/// the real disk (<see cref="FileRaftLog"/>, <see cref="FileQuorumStateStore"/>) and the network
/// (<see cref="KafkaRaftTransport"/>). Every other thread talks to it by posting work
/// (<see cref="Post"/>, <see cref="InvokeAsync"/>, <see cref="HandleRequestAsync"/>); after each
/// event the loop calls <c>Poll</c> and sleeps until the earliest deadline or the next event.
/// The event queue is bounded (<see cref="MaxQueuedEvents"/>): a poster waits when it is full.
/// An fsync the core requests runs on the loop (as Kafka's Raft I/O thread does) and its
/// completion is delivered as the next event.
/// Thread-safe; <see cref="Leader"/> and <see cref="HighWatermark"/> are snapshots safe to read anywhere.
/// </summary>
public sealed partial class RaftDriver : IControllerDriver, IControllerLink, IDisposable
{
    public const int MaxQueuedEvents = 100_000;

    private readonly BlockingCollection<Action<long>> _events = new(MaxQueuedEvents);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<RaftResponse>> _inbound = new();
    private volatile (Action<long> Tick, Func<long> NextDeadline)[] _tickers = [];
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly CancellationTokenSource _stop = new();
    private long _nextInboundId;
    private bool _flushPending;
    private volatile StrongBox<LeaderAndEpoch> _leader = new(new LeaderAndEpoch(null, 0));
    private TaskCompletionSource _leaderChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _highWatermark = -1;

    public RaftDriver(RaftOptions options, FileRaftLog log, IQuorumStateStore state, IReadOnlyDictionary<int, (string Host, int Port)> voterEndpoints,
        TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _logger = logger;
        Log = log;
        Transport = new KafkaRaftTransport(this, options.NodeId, voterEndpoints, logger);
        Raft = new RaftReplica(options, new FlushReportingLog(this, log), state, Transport, new Random(), NowMs);
        _thread = new Thread(Run) { IsBackground = true, Name = $"gregor-raft-{options.NodeId}" };
    }

    /// <summary>The core; touch it only on the loop (inside posted work or listener callbacks).</summary>
    public RaftReplica Raft { get; }

    public FileRaftLog Log { get; }

    public KafkaRaftTransport Transport { get; }

    /// <summary>The leader and epoch as of the last loop turn.</summary>
    public LeaderAndEpoch Leader => _leader.Value;

    /// <summary>The high watermark as of the last loop turn (-1 while unknown).</summary>
    public long HighWatermark => Interlocked.Read(ref _highWatermark);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public void Start() => _thread.Start();

    /// <summary>Adds work run on every loop turn and by <paramref name="nextDeadline"/> (absolute ms). Call before <see cref="Start"/>.</summary>
    public void AddTicker(Action<long> tick, Func<long> nextDeadline) => _tickers = [.. _tickers, (tick, nextDeadline)];

    /// <summary>Adds a ticker once the loop runs (it is picked up on the next turn).</summary>
    public void AddTickerWhileRunning(Action<long> tick, Func<long> nextDeadline) => Post(_ => AddTicker(tick, nextDeadline));

    /// <summary>Queues <paramref name="work"/> (given the loop's time) onto the loop.</summary>
    public void Post(Action<long> work)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        try
        {
            _events.Add(work, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // Stopping: the event is dropped, as a crash would drop it.
        }
    }

    public Task InvokeAsync(Action work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(_ =>
        {
            try
            {
                work();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        });
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>An inbound Raft request from <paramref name="sourceId"/>; completes with the core's answer (which may be held, e.g. a long-poll Fetch).</summary>
    public Task<RaftResponse> HandleRequestAsync(int sourceId, RaftRequest request, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextInboundId);
        var completion = new TaskCompletionSource<RaftResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _inbound[id] = completion;
        Post(now => Raft.HandleRequest(sourceId, id, request, now));
        return completion.Task.WaitAsync(cancellationToken).ContinueWith(t =>
        {
            _inbound.TryRemove(id, out _);
            return t;
        }, TaskScheduler.Default).Unwrap();
    }

    /// <summary>Called by the transport (on the loop) with the core's answer to inbound request <paramref name="id"/>.</summary>
    internal void CompleteInbound(long id, RaftResponse response)
    {
        if (_inbound.TryRemove(id, out var completion))
        {
            completion.TrySetResult(response);
        }
    }

    private void Run()
    {
        var next = 0L;
        while (!_stop.IsCancellationRequested)
        {
            var wait = Math.Clamp(next - NowMs, 0, 100);
            try
            {
                if (_events.TryTake(out var first, (int)wait, _stop.Token))
                {
                    Handle(first);
                    // Drain what queued meanwhile before polling timers, in bounded bites.
                    for (var i = 0; i < 1024 && _events.TryTake(out var more); i++)
                    {
                        Handle(more);
                    }
                }
                next = Turn();
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e)
            {
                // A bug in a core must not stop the node's metadata: log it and go on.
                LogLoopError(e);
                next = NowMs + 10;
            }
        }
    }

    private void Handle(Action<long> work)
    {
        try
        {
            work(NowMs);
        }
        catch (Exception e)
        {
            LogLoopError(e);
        }
    }

    /// <summary>Flush completions, the core's timers, the tickers; returns the next deadline.</summary>
    private long Turn()
    {
        var now = NowMs;
        var next = Raft.Poll(now);
        while (_flushPending)
        {
            _flushPending = false;
            Log.RequestFlush();
            Raft.HandleFlushCompleted(now);
            next = Math.Min(next, Raft.Poll(now));
        }
        foreach (var (tick, nextDeadline) in _tickers)
        {
            tick(now);
            next = Math.Min(next, nextDeadline());
        }
        next = Math.Min(next, Raft.Poll(now));
        var leader = Raft.LeaderAndEpoch;
        if (leader != _leader.Value)
        {
            _leader = new StrongBox<LeaderAndEpoch>(leader);
            // Wakes whoever waits on the old leader (a forwarded request in flight) at once.
            Interlocked.Exchange(ref _leaderChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        Interlocked.Exchange(ref _highWatermark, Raft.HighWatermark);
        return next;
    }

    int? IControllerLink.LeaderId => Leader.LeaderId;

    async Task IControllerLink.LeaderChangedAsync(int? leader, CancellationToken cancellationToken)
    {
        while (true)
        {
            // The signal is read before the leader, so a change in between completes it.
            var changed = Volatile.Read(ref _leaderChanged).Task;
            if (Leader.LeaderId != leader)
            {
                return;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    Task<IResponseMessage> IControllerLink.SendAsync(int nodeId, IRequestMessage request, short version, CancellationToken cancellationToken) =>
        Transport.SendAsync(nodeId, request, version, cancellationToken);

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        _stop.Cancel();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(10));
        }
        Transport.Dispose();
        foreach (var (_, completion) in _inbound)
        {
            completion.TrySetResult(new RaftFetchResponse(ErrorCode.NotController, -1, -1, -1, -1, null, null, []));
        }
        Log.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Raft event loop: unexpected error")]
    private partial void LogLoopErrorCore(Exception e);

    private void LogLoopError(Exception e) => LogLoopErrorCore(e);

    /// <summary>The log the core sees: a flush request is recorded and performed at the end of the loop turn, then reported.</summary>
    private sealed class FlushReportingLog(RaftDriver driver, FileRaftLog log) : IRaftLog
    {
        public long LogStartOffset => log.LogStartOffset;
        public long EndOffset => log.EndOffset;
        public long FlushedEndOffset => log.FlushedEndOffset;
        public int LastFetchedEpoch => log.LastFetchedEpoch;
        public OffsetAndEpoch? LatestSnapshotId => log.LatestSnapshotId;
        public void Append(RaftLogBatch batch) => log.Append(batch);
        public void TruncateTo(long offset) => log.TruncateTo(offset);
        public void RequestFlush() => driver._flushPending = true;
        public IReadOnlyList<RaftLogBatch> Read(long offset, int maxBytes) => log.Read(offset, maxBytes);
        public OffsetAndEpoch EndOffsetForEpoch(int epoch) => log.EndOffsetForEpoch(epoch);
        public RaftSnapshot? ReadLatestSnapshot() => log.ReadLatestSnapshot();
        public void WriteSnapshot(RaftSnapshot snapshot) => log.WriteSnapshot(snapshot);
        public long SnapshotSize(OffsetAndEpoch snapshotId) => log.SnapshotSize(snapshotId);
        public ReadOnlyMemory<byte> ReadSnapshotChunk(OffsetAndEpoch snapshotId, long position, int maxBytes) => log.ReadSnapshotChunk(snapshotId, position, maxBytes);
        public void WriteSnapshotChunk(OffsetAndEpoch snapshotId, long position, ReadOnlySpan<byte> chunk) => log.WriteSnapshotChunk(snapshotId, position, chunk);
        public RaftSnapshot CompleteSnapshotDownload(OffsetAndEpoch snapshotId) => log.CompleteSnapshotDownload(snapshotId);
    }
}
