using Gregor.Cluster.Purgatory;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Cluster.Tests.Purgatory;

public sealed class DelayedOperationPurgatoryTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>Completes once the shared counter reaches a target; counts how it ended.</summary>
    private sealed class WaitForCount(StrongBox<long> counter, long target, TimeSpan timeout) : DelayedOperation(timeout)
    {
        private int _completions;
        private int _expirations;

        public int Completions => Volatile.Read(ref _completions);

        public int Expirations => Volatile.Read(ref _expirations);

        public override bool TryComplete() => IsCompleted || (Interlocked.Read(ref counter.Value) >= target && (ForceComplete() || IsCompleted));

        protected override void OnComplete() => Interlocked.Increment(ref _completions);

        protected override void OnExpiration() => Interlocked.Increment(ref _expirations);
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value = value;
    }

    [Fact]
    public void AnOperationWhoseConditionHolds_CompletesWithoutBeingWatched()
    {
        using var purgatory = new DelayedOperationPurgatory<string>("test", 10, _time);
        var operation = new WaitForCount(new StrongBox<long>(5), 5, TimeSpan.FromSeconds(1));

        Assert.True(purgatory.TryCompleteElseWatch(operation, ["a"], TestContext.Current.CancellationToken));

        Assert.Equal(DelayedOperationOutcome.Completed, operation.Outcome);
        Assert.Equal(0, purgatory.Count);
        Assert.Equal(1, operation.Completions);
    }

    [Fact]
    public void AChangeOfAWatchedKey_CompletesTheOperation_AndUnwatchesItFromEveryKey()
    {
        using var purgatory = new DelayedOperationPurgatory<string>("test", 10, _time);
        var counter = new StrongBox<long>(0);
        var operation = new WaitForCount(counter, 2, TimeSpan.FromSeconds(30));

        Assert.False(purgatory.TryCompleteElseWatch(operation, ["a", "b"], TestContext.Current.CancellationToken));
        Assert.Equal(1, purgatory.Count);
        Assert.Equal(1, purgatory.WatcherCount("a"));
        Assert.Equal(1, purgatory.WatcherCount("b"));

        counter.Value = 1;
        Assert.Equal(0, purgatory.CheckAndComplete("a"));
        Assert.False(operation.IsCompleted);
        counter.Value = 2;
        Assert.Equal(0, purgatory.CheckAndComplete("other"));
        Assert.Equal(1, purgatory.CheckAndComplete("b"));

        Assert.Equal(DelayedOperationOutcome.Completed, operation.Outcome);
        Assert.Equal(0, purgatory.Count);
        Assert.Equal(0, purgatory.WatcherCount("a"));
        Assert.Equal(0, purgatory.WatcherCount("b"));
        // Exactly once, even when checked again or its timer would have fired.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, purgatory.CheckAndComplete("a"));
        Assert.Equal(1, operation.Completions);
        Assert.Equal(0, operation.Expirations);
    }

    [Fact]
    public void AnOperationNobodyCompletes_ExpiresAfterItsTimeout()
    {
        using var purgatory = new DelayedOperationPurgatory<string>("test", 10, _time);
        var operation = new WaitForCount(new StrongBox<long>(0), 1, TimeSpan.FromSeconds(5));
        purgatory.TryCompleteElseWatch(operation, ["a"], TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(operation.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(DelayedOperationOutcome.Expired, operation.Outcome);
        Assert.Equal(1, operation.Expirations);
        Assert.Equal(1, operation.Completions);
        Assert.Equal(0, purgatory.Count);
        Assert.Equal(0, purgatory.WatcherCount("a"));
    }

    [Fact]
    public void Cancellation_EndsAWaitingOperation_AndAnAlreadyCancelledTokenEndsItAtOnce()
    {
        using var purgatory = new DelayedOperationPurgatory<string>("test", 10, _time);
        using var connection = new CancellationTokenSource();
        var waiting = new WaitForCount(new StrongBox<long>(0), 1, TimeSpan.FromSeconds(30));
        purgatory.TryCompleteElseWatch(waiting, ["a"], connection.Token);

        connection.Cancel();

        Assert.Equal(DelayedOperationOutcome.Cancelled, waiting.Outcome);
        Assert.Equal(0, purgatory.Count);
        var late = new WaitForCount(new StrongBox<long>(0), 1, TimeSpan.FromSeconds(30));
        Assert.True(purgatory.TryCompleteElseWatch(late, ["a"], connection.Token));
        Assert.Equal(DelayedOperationOutcome.Cancelled, late.Outcome);
        Assert.Equal(0, purgatory.Count);
        Assert.Equal(0, purgatory.WatcherCount("a"));
    }

    [Fact]
    public void AFullPurgatory_CompletesTheNextOperationAtOnce_AsOverflowed()
    {
        using var purgatory = new DelayedOperationPurgatory<string>("test", 2, _time);
        var counter = new StrongBox<long>(0);
        var first = new WaitForCount(counter, 1, TimeSpan.FromSeconds(30));
        var second = new WaitForCount(counter, 1, TimeSpan.FromSeconds(30));
        var third = new WaitForCount(counter, 1, TimeSpan.FromSeconds(30));

        Assert.False(purgatory.TryCompleteElseWatch(first, ["a"], TestContext.Current.CancellationToken));
        Assert.False(purgatory.TryCompleteElseWatch(second, ["a"], TestContext.Current.CancellationToken));
        Assert.True(purgatory.TryCompleteElseWatch(third, ["a"], TestContext.Current.CancellationToken));

        Assert.Equal(DelayedOperationOutcome.Overflowed, third.Outcome);
        Assert.Equal(2, purgatory.Count);
        Assert.Equal(1, purgatory.Overflowed);
        // Room again once one ends.
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, purgatory.Count);
        var fourth = new WaitForCount(counter, 1, TimeSpan.FromSeconds(30));
        Assert.False(purgatory.TryCompleteElseWatch(fourth, ["a"], TestContext.Current.CancellationToken));
        Assert.Equal(1, purgatory.Count);
    }

    [Fact]
    public void Dispose_CompletesEveryWaitingOperation_AndRefusesNewOnes()
    {
        var purgatory = new DelayedOperationPurgatory<string>("test", 10, _time);
        var waiting = new WaitForCount(new StrongBox<long>(0), 1, TimeSpan.FromSeconds(30));
        purgatory.TryCompleteElseWatch(waiting, ["a"], TestContext.Current.CancellationToken);

        purgatory.Dispose();

        Assert.Equal(DelayedOperationOutcome.Completed, waiting.Outcome);
        var late = new WaitForCount(new StrongBox<long>(0), 1, TimeSpan.FromSeconds(30));
        Assert.True(purgatory.TryCompleteElseWatch(late, ["a"], TestContext.Current.CancellationToken));
        Assert.Equal(DelayedOperationOutcome.Overflowed, late.Outcome);
    }

    [Fact]
    public async Task AChangeRacingTheRegistration_IsNeverLost()
    {
        // Each round: one thread registers an operation waiting for the counter to pass a value,
        // another raises the counter and then checks the key, with no ordering between them. A
        // lost wake-up leaves the operation waiting (its timeout is far away, the clock is fake).
        using var purgatory = new DelayedOperationPurgatory<int>("test", 10, _time);
        var counter = new StrongBox<long>(0);
        for (var round = 1; round <= 2_000; round++)
        {
            var operation = new WaitForCount(counter, round, TimeSpan.FromHours(1));
            using var start = new Barrier(2);
            var register = Task.Run(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                purgatory.TryCompleteElseWatch(operation, [round % 3], TestContext.Current.CancellationToken);
            }, TestContext.Current.CancellationToken);
            var change = Task.Run(() =>
            {
                start.SignalAndWait(TestContext.Current.CancellationToken);
                Interlocked.Increment(ref counter.Value);
                purgatory.CheckAndComplete(round % 3);
            }, TestContext.Current.CancellationToken);
            await Task.WhenAll(register, change);

            Assert.True(operation.IsCompleted, $"round {round}: the operation missed the change");
            Assert.Equal(DelayedOperationOutcome.Completed, operation.Outcome);
        }
        Assert.Equal(0, purgatory.Count);
    }
}
