namespace Gregor.Cluster.Controller.Core;

/// <summary>Where a broker is in its lifecycle (Kafka's BrokerState, as the broker sees it).</summary>
public enum BrokerLifecycleState
{
    /// <summary>Not started, or registering.</summary>
    Starting,

    /// <summary>Registered and fenced: catching up with the metadata log (or fenced again by the controller).</summary>
    Recovery,

    /// <summary>Unfenced: may lead partitions and be placed on.</summary>
    Running,

    /// <summary>Asked the controller for a controlled shutdown; waiting for leadership to move.</summary>
    PendingControlledShutdown,

    /// <summary>The controller let it go: the process may exit.</summary>
    ShuttingDown,
}
