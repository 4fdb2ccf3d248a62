namespace Gregor.Cluster.Purgatory;

/// <summary>
/// A request that cannot be answered yet: a fetch waiting for min bytes, a produce waiting for the
/// high watermark to cover it (Kafka's DelayedOperation, redpanda's waiters). It is parked in a
/// <see cref="DelayedOperationPurgatory{TKey}"/> under the keys whose changes may satisfy it, and
/// ends exactly once: completed (<see cref="TryComplete"/> found its condition true, or
/// <see cref="ForceComplete"/>), expired (its timeout), cancelled (its token), or overflowed (the
/// purgatory was full). <see cref="OnComplete"/> runs once, for every outcome, on the thread that
/// ended it (an appender, a timer, a cancelling thread): keep it short and never block there;
/// completing a <see cref="TaskCompletionSource"/> created with RunContinuationsAsynchronously is
/// the usual body.
/// <para>Thread-safety: <see cref="TryComplete"/> may run on several threads at once and after the
/// operation ended; it must only read shared state and call <see cref="ForceComplete"/>.</para>
/// </summary>
public abstract class DelayedOperation
{
    private int _outcome;
    private ITimer? _timer;
    private CancellationTokenRegistration _cancellation;
    private Action<DelayedOperation>? _unwatch;

    protected DelayedOperation(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        Timeout = timeout;
    }

    /// <summary>How long it may wait before it expires.</summary>
    public TimeSpan Timeout { get; }

    public DelayedOperationOutcome Outcome => (DelayedOperationOutcome)Volatile.Read(ref _outcome);

    public bool IsCompleted => Outcome != DelayedOperationOutcome.Pending;

    /// <summary>Keys this operation is watched under (set by the purgatory while it is watched).</summary>
    internal object? WatchedKeys { get; set; }

    /// <summary>
    /// Checks the condition and, when it holds, calls <see cref="ForceComplete"/>. Returns true when
    /// the operation is complete (by this call or earlier). Called once before the operation is
    /// watched, once right after (so a change racing the registration is not lost), and on every
    /// change of a watched key.
    /// </summary>
    public abstract bool TryComplete();

    /// <summary>Ends the operation as completed unless it already ended; true if this call ended it.</summary>
    public bool ForceComplete() => Finish(DelayedOperationOutcome.Completed);

    /// <summary>Runs once when the operation ends, whatever the <see cref="Outcome"/>.</summary>
    protected abstract void OnComplete();

    /// <summary>Runs once, just before <see cref="OnComplete"/>, when the timeout ended it.</summary>
    protected virtual void OnExpiration()
    {
    }

    internal bool Expire() => Finish(DelayedOperationOutcome.Expired);

    internal bool Overflow() => Finish(DelayedOperationOutcome.Overflowed);

    /// <summary>Records where it is watched, before it joins any watch list, so whoever ends it unwatches it.</summary>
    internal void PrepareWatch(object keys, Action<DelayedOperation> unwatch)
    {
        WatchedKeys = keys;
        _unwatch = unwatch;
    }

    /// <summary>Arms expiry and cancellation; the purgatory calls it once the operation is watched.</summary>
    internal void Arm(TimeProvider time, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static state => ((DelayedOperation)state!).Finish(DelayedOperationOutcome.Cancelled), this);
        }
        _timer = time.CreateTimer(static state => ((DelayedOperation)state!).Expire(), this, Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        if (IsCompleted)
        {
            // Ended while being armed (a racing completion saw no timer yet): release what was just made.
            Release();
        }
    }

    private bool Finish(DelayedOperationOutcome outcome)
    {
        if (Interlocked.CompareExchange(ref _outcome, (int)outcome, (int)DelayedOperationOutcome.Pending) != (int)DelayedOperationOutcome.Pending)
        {
            return false;
        }
        Release();
        Interlocked.Exchange(ref _unwatch, null)?.Invoke(this);
        if (outcome == DelayedOperationOutcome.Expired)
        {
            OnExpiration();
        }
        OnComplete();
        return true;
    }

    private void Release()
    {
        Interlocked.Exchange(ref _timer, null)?.Dispose();
        // Unregister, not Dispose: Dispose would wait for a running callback, which may be this thread.
        _cancellation.Unregister();
    }
}
