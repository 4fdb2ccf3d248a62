using Gregor.Cluster.Controller;
using Gregor.Cluster.Partitions;
using Gregor.Cluster.Replication;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Replication;

/// <summary>
/// Sends the ISR changes partition leaders propose to the controller (Kafka's
/// AlterPartitionManager): each proposal through <see cref="IController.AlterPartitionAsync"/>
/// with this broker's id and epoch, at most one in flight per partition (the replication core
/// proposes nothing new while one is pending), retried with backoff while the partition still waits
/// on it and the answer says retry; the answer goes back to the partition (applied, reverted, or
/// wait for the image). Also runs Kafka's isr-expiration task: every half of
/// replica.lag.time.max.ms, followers that stopped catching up are proposed for removal.
/// Thread-safety: <see cref="Submit"/> is called from fetch handling threads; sends run on the pool.
/// </summary>
public sealed partial class AlterPartitionManager : IAsyncDisposable
{
    private const int RetryBackoffMs = 200;

    private readonly IController _controller;
    private readonly ReplicaManager _replicas;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly HashSet<IsrChange> _inFlight = new(ReferenceEqualityComparer.Instance);
    private readonly Task _expiration;

    public AlterPartitionManager(IController controller, ReplicaManager replicas, long replicaLagTimeMaxMs, ILogger<AlterPartitionManager>? logger = null)
    {
        _controller = controller;
        _replicas = replicas;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _expiration = RunExpirationAsync(TimeSpan.FromMilliseconds(Math.Max(1, replicaLagTimeMaxMs / 2)));
    }

    /// <summary>ISR change requests answered so far (tests, diagnostics).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    private long _sent;

    /// <summary>Sends <paramref name="change"/> for <paramref name="partition"/> unless it is already on its way.</summary>
    public void Submit(Partition partition, IsrChange change)
    {
        lock (_lock)
        {
            if (_stop.IsCancellationRequested || !_inFlight.Add(change))
            {
                return;
            }
        }
        _ = Task.Run(() => SendAsync(partition, change));
    }

    private async Task SendAsync(Partition partition, IsrChange change)
    {
        var token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested && partition.IsPending(change))
            {
                var item = new AlterPartitionItem(change.TopicId, change.Partition, change.LeaderEpoch, change.PartitionEpoch, change.NewIsr);
                AlterPartitionOutcome outcome;
                try
                {
                    outcome = await _controller.AlterPartitionAsync(_replicas.NodeId, _replicas.LocalBrokerEpoch, [item], token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    LogSendFailed(e, partition.TopicPartition.ToString());
                    await Task.Delay(RetryBackoffMs, token).ConfigureAwait(false);
                    continue;
                }
                Interlocked.Increment(ref _sent);
                if (outcome.Error != ErrorCode.None || outcome.Partitions.Count == 0)
                {
                    // STALE_BROKER_EPOCH, NOT_CONTROLLER, …: the request as a whole; try again.
                    LogRequestError(partition.TopicPartition.ToString(), outcome.Error);
                    await Task.Delay(RetryBackoffMs, token).ConfigureAwait(false);
                    continue;
                }
                var result = outcome.Partitions[0];
                var action = partition.OnAlterPartitionResponse(change, result.Error, result.LeaderEpoch, result.PartitionEpoch, [.. result.Isr], Environment.TickCount64);
                LogAnswered(partition.TopicPartition.ToString(), change.Kind.ToString(), string.Join(',', change.NewIsrIds), result.Error, action.ToString());
                if (action != AlterPartitionResponseAction.Retry)
                {
                    return;
                }
                await Task.Delay(RetryBackoffMs, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_lock)
            {
                _inFlight.Remove(change);
            }
        }
    }

    private async Task RunExpirationAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    _replicas.MaybeShrinkIsrs();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogExpirationFailed(e);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
            }
        }
        await _expiration.ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "AlterPartition for {Partition} failed to send; retrying")]
    private partial void LogSendFailed(Exception exception, string partition);

    [LoggerMessage(Level = LogLevel.Debug, Message = "AlterPartition for {Partition} answered {Error}; retrying")]
    private partial void LogRequestError(string partition, ErrorCode error);

    [LoggerMessage(Level = LogLevel.Information, Message = "ISR {Kind} of {Partition} to [{Isr}]: {Error} ({Action})")]
    private partial void LogAnswered(string partition, string kind, string isr, ErrorCode error, string action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ISR expiration check failed")]
    private partial void LogExpirationFailed(Exception exception);
}
