namespace Gregor.Cluster.Simulation;

/// <summary>
/// The one clock and event queue of a simulation: events run in (time, sequence) order on the
/// calling thread, so a seed fixes the whole run. Time is virtual milliseconds.
/// </summary>
public sealed class SimScheduler
{
    private readonly PriorityQueue<Action, (long Time, long Seq)> _queue = new();
    private long _seq;

    public long Now { get; private set; }

    public int Pending => _queue.Count;

    public void At(long time, Action action) => _queue.Enqueue(action, (Math.Max(time, Now), _seq++));

    public void After(long delayMs, Action action) => At(Now + Math.Max(0, delayMs), action);

    /// <summary>Runs the next event if it is due no later than <paramref name="until"/>; false if none.</summary>
    public bool RunNext(long until)
    {
        if (!_queue.TryPeek(out _, out var key) || key.Time > until)
        {
            if (until > Now && until != long.MaxValue)
            {
                Now = until;
            }

            return false;
        }

        var action = _queue.Dequeue();
        Now = key.Time;
        action();
        return true;
    }
}
