namespace Gregor.Cluster.Purgatory;

/// <summary>How a <see cref="DelayedOperation"/> ended; exactly one of these happens, once.</summary>
public enum DelayedOperationOutcome
{
    /// <summary>Still waiting.</summary>
    Pending = 0,

    /// <summary>Its condition held (<see cref="DelayedOperation.TryComplete"/>) or it was completed by force.</summary>
    Completed,

    /// <summary>Its timeout passed first.</summary>
    Expired,

    /// <summary>Its cancellation token fired first (the connection closed, the broker stopped).</summary>
    Cancelled,

    /// <summary>The purgatory was full, so it was completed at once instead of waiting.</summary>
    Overflowed,
}
