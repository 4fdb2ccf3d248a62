namespace Gregor.Broker.Groups;

/// <summary>
/// The states of a classic consumer group, as Kafka's ClassicGroupState:
/// Empty → PreparingRebalance (a member joins) → CompletingRebalance (all joined, waiting for
/// the leader's SyncGroup) → Stable; any membership change goes back to PreparingRebalance;
/// Dead once deleted or expired.
/// </summary>
public enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}
