using Gregor.Broker.Lifecycle;

namespace Gregor.Broker.Tests.Lifecycle;

/// <summary>The order, undo and failure rules of <see cref="NodeLifecycle"/>, with steps that record what runs.</summary>
public sealed class NodeLifecycleTests
{
    private readonly List<string> _events = [];

    private LifecycleStep Step(string name, Func<CancellationToken, Task>? start = null, bool undoable = true)
    {
        async Task StartAsync(CancellationToken ct)
        {
            Record($"start {name}");
            if (start is not null)
            {
                await start(ct);
            }
        }

        Task StopAsync(CancellationToken ct)
        {
            Record($"stop {name}");
            return Task.CompletedTask;
        }

        return new LifecycleStep(name, StartAsync, undoable ? StopAsync : null);
    }

    private void Record(string what)
    {
        lock (_events)
        {
            _events.Add(what);
        }
    }

    private string[] Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    [Fact]
    public async Task Start_RunsStepsInOrder_StopUndoesThemInReverse()
    {
        var lifecycle = new NodeLifecycle([Step("a"), Step("b", undoable: false), Step("c")]);
        Assert.Equal(LifecycleState.Created, lifecycle.State);

        await lifecycle.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(LifecycleState.Running, lifecycle.State);
        Assert.Null(lifecycle.CurrentStep);
        await lifecycle.StopAsync(TestContext.Current.CancellationToken);
        await lifecycle.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["start a", "start b", "start c", "stop c", "stop a"], Events);
        Assert.Equal(LifecycleState.Stopped, lifecycle.State);
        Assert.Equal(["a", "b", "c"], lifecycle.StepNames);
    }

    [Fact]
    public async Task FailedStep_UndoesTheEarlierOnesInReverse_AndSurfacesItsName()
    {
        var lifecycle = new NodeLifecycle(
        [
            Step("a"),
            Step("b"),
            Step("c", _ => throw new InvalidOperationException("boom")),
            Step("d"),
        ]);

        var error = await Assert.ThrowsAsync<BrokerStartException>(() => lifecycle.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal(BrokerStartFailure.StepFailed, error.Failure);
        Assert.Equal("c failed: boom", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal(["start a", "start b", "start c", "stop b", "stop a"], Events);
        Assert.Equal(LifecycleState.Failed, lifecycle.State);
        Assert.Equal("c", lifecycle.CurrentStep);

        // A stop after a failed start has nothing left to undo.
        await lifecycle.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(5, Events.Length);
    }

    [Fact]
    public async Task PrintableStartException_SurfacesUnchanged()
    {
        var printable = new BrokerStartException("port 9092 is already in use; choose another with --listen", BrokerStartFailure.ListenFailed);
        var lifecycle = new NodeLifecycle([Step("a"), Step("bind", _ => throw printable)]);

        var error = await Assert.ThrowsAsync<BrokerStartException>(() => lifecycle.StartAsync(TestContext.Current.CancellationToken));

        Assert.Same(printable, error);
        Assert.Equal(["start a", "start bind", "stop a"], Events);
    }

    [Fact]
    public async Task FailingUndo_IsLogged_AndTheOtherUndosStillRun()
    {
        var lifecycle = new NodeLifecycle(
        [
            Step("a"),
            new LifecycleStep("b", _ => Task.CompletedTask, _ => throw new IOException("disk gone")),
            Step("c"),
        ]);
        await lifecycle.StartAsync(TestContext.Current.CancellationToken);

        await lifecycle.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["start a", "start c", "stop c", "stop a"], Events);
        Assert.Equal(LifecycleState.Stopped, lifecycle.State);
    }

    [Fact]
    public async Task StopDuringStart_CancelsTheStepInProgress_AndUndoesTheCompletedOnes()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lifecycle = new NodeLifecycle(
        [
            Step("a"),
            Step("slow", async ct =>
            {
                entered.SetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }),
            Step("never"),
        ]);
        var start = lifecycle.StartAsync(TestContext.Current.CancellationToken);
        await entered.Task.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(LifecycleState.Starting, lifecycle.State);
        Assert.Equal("slow", lifecycle.CurrentStep);

        await lifecycle.StopAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
        Assert.Equal(["start a", "start slow", "stop a"], Events);
        Assert.Equal(LifecycleState.Stopped, lifecycle.State);
    }

    [Fact]
    public async Task StartTwice_IsRefused()
    {
        var lifecycle = new NodeLifecycle([Step("a")]);
        await lifecycle.StartAsync(TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<InvalidOperationException>(() => lifecycle.StartAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void DuplicateStepNames_AreRefused() =>
        Assert.Throws<ArgumentException>(() => new NodeLifecycle([Step("a"), Step("a")]));
}
