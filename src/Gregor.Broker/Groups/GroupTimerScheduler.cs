namespace Gregor.Broker.Groups;

/// <summary>
/// Runs the group coordinator's timeouts (session expiry, rebalance and initial-join delays,
/// sync timeouts, offset expiry) from one timer: a priority queue ordered by due time and a
/// single <see cref="ITimer"/> armed for the earliest entry. No thread or timer per member;
/// the queue holds at most one entry per member plus a few per group. Cancellation is lazy:
/// each callback re-checks the state it was scheduled for (a token or a deadline) and does
/// nothing when that state has moved on. Time comes from an injected <see cref="TimeProvider"/>
/// so tests drive it with a fake clock. Thread-safe; callbacks run on the timer's thread,
/// outside the scheduler's lock, one batch at a time per timer firing.
/// </summary>
public sealed class GroupTimerScheduler : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<Exception> _onError;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<Action, long> _queue = new();
    private readonly ITimer _timer;
    private long _armedForMs = long.MaxValue;
    private bool _disposed;

    public GroupTimerScheduler(TimeProvider time, Action<Exception> onError)
    {
        _time = time;
        _onError = onError;
        _timer = time.CreateTimer(_ => RunDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Entries waiting (for metrics and tests).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> once the clock reaches <paramref name="dueMs"/> (Unix ms).</summary>
    public void Schedule(long dueMs, Action action)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _queue.Enqueue(action, dueMs);
            if (dueMs < _armedForMs)
            {
                Arm(dueMs);
            }
        }
    }

    private void Arm(long dueMs)
    {
        _armedForMs = dueMs;
        var delay = Math.Max(0, dueMs - NowMs);
        _timer.Change(TimeSpan.FromMilliseconds(delay), Timeout.InfiniteTimeSpan);
    }

    private void RunDue()
    {
        List<Action>? due = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var now = NowMs;
            while (_queue.TryPeek(out _, out var dueMs) && dueMs <= now)
            {
                (due ??= []).Add(_queue.Dequeue());
            }
            _armedForMs = long.MaxValue;
            if (_queue.TryPeek(out _, out var next))
            {
                Arm(next);
            }
        }
        if (due is null)
        {
            return;
        }
        foreach (var action in due)
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                _onError(ex);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _queue.Clear();
        }
        _timer.Dispose();
    }
}
