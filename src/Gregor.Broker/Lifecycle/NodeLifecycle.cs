using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Gregor.Broker.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Lifecycle;

/// <summary>
/// A node's start and stop as an explicit, ordered list of named <see cref="LifecycleStep"/>s
/// (for a broker: <see cref="BrokerSteps"/>): <see cref="StartAsync"/> runs the steps in order,
/// logging each with its duration; when one fails, the steps that completed are undone in
/// reverse order and the failure surfaces as a <see cref="BrokerStartException"/> naming the
/// step (a <see cref="BrokerStartException"/> or <see cref="BrokerConfigException"/> thrown by
/// the step itself is already printable and surfaces unchanged). <see cref="StopAsync"/> undoes
/// the completed steps in reverse order; a stop step that fails is logged and the others still
/// run, so a half-stopped node never keeps its data-dir lock. A stop during the start cancels
/// the start (the step in progress sees its token cancelled), which then undoes what it did.
/// <para>Thread-safety: <see cref="State"/> and <see cref="CurrentStep"/> may be read from any
/// thread; start once; stop may be called concurrently with start and is idempotent.</para>
/// </summary>
public sealed class NodeLifecycle
{
    private readonly IReadOnlyList<LifecycleStep> _steps;
    private readonly ILogger _logger;
    private readonly Stack<LifecycleStep> _completed = new();
    private readonly CancellationTokenSource _startCancellation = new();
    private readonly Lock _lock = new();
    private Task? _start;
    private Task? _stop;
    private LifecycleState _state;
    private string? _currentStep;

    public NodeLifecycle(IEnumerable<LifecycleStep> steps, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        _steps = [.. steps];
        _logger = logger ?? NullLogger.Instance;
        var duplicate = _steps.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"step {duplicate.Key} appears twice", nameof(steps));
        }
    }

    /// <summary>The step names in start order.</summary>
    public IReadOnlyList<string> StepNames => [.. _steps.Select(s => s.Name)];

    public LifecycleState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The step being started or stopped; after a failed start, the step that failed; otherwise null.</summary>
    public string? CurrentStep => Volatile.Read(ref _currentStep);

    /// <summary>Runs every step in order; see the class summary for failures. Once per instance.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_state != LifecycleState.Created)
            {
                throw new InvalidOperationException($"a node starts once (it is {_state})");
            }
            _state = LifecycleState.Starting;
            return _start = RunStartAsync(cancellationToken);
        }
    }

    /// <summary>Undoes the completed steps in reverse order (cancelling a start in progress first). Idempotent.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            switch (_state)
            {
                case LifecycleState.Created:
                    _state = LifecycleState.Stopped;
                    return Task.CompletedTask;
                case LifecycleState.Failed:
                    return Task.CompletedTask;
            }
            return _stop ??= RunStopAsync(_start, cancellationToken);
        }
    }

    private async Task RunStartAsync(CancellationToken cancellationToken)
    {
        await Task.Yield(); // the caller's lock is released before any step runs
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _startCancellation.Token);
        var total = Stopwatch.StartNew();
        foreach (var step in _steps)
        {
            Volatile.Write(ref _currentStep, step.Name);
            LifecycleLog.StepStarting(_logger, step.Name);
            var watch = Stopwatch.StartNew();
            try
            {
                linked.Token.ThrowIfCancellationRequested();
                await step.StartAsync(linked.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                if (e is BrokerStartException or BrokerConfigException)
                {
                    // A reason the user must fix, printed as is by the host: no stack trace.
                    LifecycleLog.StepRefused(_logger, step.Name, watch.Elapsed.TotalMilliseconds, e.Message, _completed.Count);
                }
                else
                {
                    LifecycleLog.StepFailed(_logger, e, step.Name, watch.Elapsed.TotalMilliseconds, _completed.Count);
                }
                await UndoAsync(CancellationToken.None).ConfigureAwait(false);
                var stopped = _startCancellation.IsCancellationRequested;
                lock (_lock)
                {
                    _state = stopped ? LifecycleState.Stopped : LifecycleState.Failed;
                }
                Volatile.Write(ref _currentStep, stopped ? null : step.Name);
                throw Surface(step, e, linked.Token);
            }
            _completed.Push(step);
            LifecycleLog.StepStarted(_logger, step.Name, watch.Elapsed.TotalMilliseconds);
        }
        lock (_lock)
        {
            Volatile.Write(ref _currentStep, null);
            if (_state == LifecycleState.Starting)
            {
                _state = LifecycleState.Running;
            }
        }
        LifecycleLog.Started(_logger, total.Elapsed.TotalMilliseconds);
    }

    private async Task RunStopAsync(Task? start, CancellationToken cancellationToken)
    {
        if (start is not null && !start.IsCompleted)
        {
            await _startCancellation.CancelAsync().ConfigureAwait(false);
            try
            {
                await start.ConfigureAwait(false);
            }
            catch (Exception) when (State is LifecycleState.Failed or LifecycleState.Stopped)
            {
                // The start undid its own steps; its failure or cancellation went to its caller.
                return;
            }
        }
        lock (_lock)
        {
            if (_state is LifecycleState.Failed or LifecycleState.Stopped)
            {
                return;
            }
            _state = LifecycleState.Stopping;
        }
        await UndoAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _state = LifecycleState.Stopped;
        }
    }

    private async Task UndoAsync(CancellationToken cancellationToken)
    {
        while (_completed.TryPop(out var step))
        {
            if (step.StopAsync is null)
            {
                continue;
            }
            Volatile.Write(ref _currentStep, step.Name);
            var watch = Stopwatch.StartNew();
            try
            {
                await step.StopAsync(cancellationToken).ConfigureAwait(false);
                LifecycleLog.StepStopped(_logger, step.Name, watch.Elapsed.TotalMilliseconds);
            }
            catch (Exception e)
            {
                LifecycleLog.StopStepFailed(_logger, e, step.Name, watch.Elapsed.TotalMilliseconds);
            }
        }
        Volatile.Write(ref _currentStep, null);
    }

    private static Exception Surface(LifecycleStep step, Exception e, CancellationToken cancellationToken)
    {
        if (e is BrokerStartException or BrokerConfigException
            || (e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            ExceptionDispatchInfo.Throw(e);
        }
        return new BrokerStartException($"{step.Name} failed: {e.Message}", BrokerStartFailure.StepFailed, e);
    }
}
