namespace Gregor.Cluster.Partitions;

/// <summary>
/// The wake-up half of a delayed (long-poll) fetch: a fetch that found fewer than min bytes
/// registers one waiter with every partition it reads, and an append to any of them (or the
/// partition going away) completes it. Registration happens before the read that decides to wait,
/// so an append between the read and the wait is never missed.
/// <para>Thread-safety: <see cref="Wake"/> may be called from any thread, any number of times.
/// Continuations run asynchronously, so an appender never runs fetch code inline.</para>
/// </summary>
public sealed class FetchWaiter
{
    private readonly TaskCompletionSource _woken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsWoken => _woken.Task.IsCompleted;

    public void Wake() => _woken.TrySetResult();

    /// <summary>Waits until woken, the timeout passes (returns false), or cancellation.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (_woken.Task.IsCompleted)
        {
            return true;
        }
        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }
        try
        {
            await _woken.Task.WaitAsync(timeout, timeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
