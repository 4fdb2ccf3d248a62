namespace Gregor.Broker.Shares;

/// <summary>
/// The state of one record in a share partition's in-flight window, with Kafka's ids
/// (<c>RecordState</c>: the ids are what <c>__share_group_state</c> persists as delivery state).
/// Available → Acquired → Acknowledged | Available (release, lock expiry) | Archived (reject, gap,
/// delivery limit). Acknowledged and Archived are terminal.
/// </summary>
public enum RecordState : byte
{
    Available = 0,
    Acquired = 1,
    Acknowledged = 2,
    Archived = 4,
}
