namespace Gregor.Storage;

/// <summary>
/// Group commit for one log: appenders that wrote their bytes register and await one task;
/// a single flusher loop swaps in a fresh task, fsyncs everything written so far, and
/// completes the swapped task, so N concurrent appenders share one fsync and none is
/// acknowledged before an fsync that started after its write.
/// Lifecycle: created with the log when flush mode is group-commit, disposed on close (after a
/// final flush). Thread-safety: <see cref="Register"/> is called under the log's write lock;
/// the loop takes that lock only to swap the pending task and read the log end.
/// </summary>
internal sealed class GroupCommitter : IDisposable
{
    private readonly Lock _logLock;
    private readonly Func<long> _logEndOffset;
    private readonly Action<long> _flushUpTo;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _pending = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requested;

    public GroupCommitter(Lock logLock, Func<long> logEndOffset, Action<long> flushUpTo)
    {
        _logLock = logLock;
        _logEndOffset = logEndOffset;
        _flushUpTo = flushUpTo;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Number of fsyncs done (for tests and metrics).</summary>
    public long Flushes { get; private set; }

    /// <summary>The task that completes after an fsync covering everything written so far. Call under the log lock.</summary>
    public Task Register()
    {
        var task = _pending.Task;
        if (Interlocked.Exchange(ref _requested, 1) == 0)
        {
            _signal.Release();
        }
        return task;
    }

    private async Task RunAsync()
    {
        while (true)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            TaskCompletionSource batch;
            long target;
            lock (_logLock)
            {
                Volatile.Write(ref _requested, 0);
                batch = _pending;
                _pending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                target = _logEndOffset();
            }
            try
            {
                _flushUpTo(target);
                Flushes++;
                batch.TrySetResult();
            }
            catch (Exception e)
            {
                batch.TrySetException(new StorageException("fsync failed; the append may not be durable", e));
            }
        }
    }

    /// <summary>Stops the loop; appenders still waiting are completed by the caller's final flush through <see cref="CompletePending"/>.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // The loop reports failures through the waiters' tasks.
        }
        _signal.Dispose();
        _stop.Dispose();
    }

    /// <summary>Completes waiters after the caller flushed everything (close); fails them if it could not.</summary>
    public void CompletePending(Exception? failure)
    {
        lock (_logLock)
        {
            if (failure is null)
            {
                _pending.TrySetResult();
            }
            else
            {
                _pending.TrySetException(failure);
            }
        }
    }
}
