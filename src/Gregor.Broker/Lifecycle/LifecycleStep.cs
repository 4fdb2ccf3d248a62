namespace Gregor.Broker.Lifecycle;

/// <summary>
/// One named step of a node's start (<see cref="StartAsync"/>) and the action that undoes it
/// (<see cref="StopAsync"/>, null when there is nothing to undo). A step's stop runs only if its
/// start completed, in reverse order of the starts: on shutdown and when a later step fails.
/// </summary>
public sealed record LifecycleStep(
    string Name,
    Func<CancellationToken, Task> StartAsync,
    Func<CancellationToken, Task>? StopAsync = null);
