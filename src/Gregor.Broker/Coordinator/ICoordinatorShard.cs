namespace Gregor.Broker.Coordinator;

/// <summary>
/// The state machine of one coordinator partition (Kafka's <c>CoordinatorShard</c>): the group
/// coordinator's shard holds the groups and committed offsets of one <c>__consumer_offsets</c>
/// partition; a share-group, KIP-848 or transaction coordinator is another implementation over
/// its own internal topic. The <see cref="CoordinatorRuntime{TShard, TRecord}"/> creates a fresh
/// shard on every load, replays the partition into it, then runs every operation on it one at a
/// time on the partition's event loop, so a shard needs no locks.
/// </summary>
public interface ICoordinatorShard<TRecord>
{
    /// <summary>
    /// Applies one record of the partition: every record on load, and after a successful append
    /// the records of operations that asked for replay. Must not fail on records written by a
    /// newer version it does not know (skip them).
    /// </summary>
    void Replay(TRecord record);

    /// <summary>Called once after the whole partition was replayed, before the first operation: rebuild derived state, schedule timers.</summary>
    void OnLoaded();

    /// <summary>Called when this node stops being the coordinator of the partition: answer whatever still waits (NOT_COORDINATOR). Timers are already cancelled.</summary>
    void OnUnloaded();
}
