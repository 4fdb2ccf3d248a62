namespace Gregor.Broker.Coordinator;

/// <summary>Where a coordinator partition is in its life (Kafka's <c>CoordinatorState</c>).</summary>
public enum CoordinatorShardState
{
    /// <summary>Replaying the partition; requests get COORDINATOR_LOAD_IN_PROGRESS.</summary>
    Loading,

    /// <summary>Serving operations.</summary>
    Active,

    /// <summary>The load failed; requests get NOT_COORDINATOR until the partition is loaded again.</summary>
    Failed,

    /// <summary>Unloaded (resigned); queued requests get NOT_COORDINATOR.</summary>
    Closed,
}
