namespace Gregor.Broker.Lifecycle;

/// <summary>Where a <see cref="NodeLifecycle"/> is (reported by the health endpoint).</summary>
public enum LifecycleState
{
    /// <summary>Constructed; no step has run.</summary>
    Created,

    /// <summary>Running the start steps (<see cref="NodeLifecycle.CurrentStep"/> names the one in progress).</summary>
    Starting,

    /// <summary>Every start step completed: the node serves clients.</summary>
    Running,

    /// <summary>Undoing the completed steps in reverse order.</summary>
    Stopping,

    /// <summary>Every completed step was undone after a stop.</summary>
    Stopped,

    /// <summary>A start step failed; the steps before it were undone.</summary>
    Failed,
}
