using Gregor.Cluster.Partitions;
using Gregor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Replication;

/// <summary>
/// Writes the high watermarks of the partitions hosted here to the data directory's
/// replication-offset-checkpoint every replica.high.watermark.checkpoint.interval.ms (5 s) and
/// once more on close (Kafka's ReplicaManager.checkpointHighWatermarks), through the log manager
/// (temporary file, fsync, rename). Read back when a replicated partition opens, so a restarted
/// replica knows its committed prefix before it hears from its leader.
/// </summary>
public sealed partial class HighWatermarkCheckpointer : IAsyncDisposable
{
    private readonly ReplicaManager _replicas;
    private readonly LogManager _logs;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _disposed;

    public HighWatermarkCheckpointer(ReplicaManager replicas, LogManager logs, TimeSpan interval, ILogger<HighWatermarkCheckpointer>? logger = null)
    {
        _replicas = replicas;
        _logs = logs;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _loop = RunAsync(interval);
    }

    /// <summary>Writes the checkpoint now.</summary>
    public void Checkpoint()
    {
        try
        {
            _logs.WriteHighWatermarks(_replicas.HighWatermarks().Select(h => KeyValuePair.Create(h.TopicPartition, h.HighWatermark)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            LogCheckpointFailed(e);
        }
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                Checkpoint();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Checkpoint();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the replication-offset-checkpoint failed")]
    private partial void LogCheckpointFailed(Exception exception);
}
