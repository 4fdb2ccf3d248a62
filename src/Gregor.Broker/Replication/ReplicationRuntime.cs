using Gregor.Cluster.Partitions;

namespace Gregor.Broker.Replication;

/// <summary>
/// The running parts of replication around the <see cref="ReplicaManager"/>: the replica fetchers
/// (<see cref="ReplicaFetcherManager"/>), the <see cref="AlterPartitionManager"/> and the
/// <see cref="HighWatermarkCheckpointer"/>. <see cref="Open"/> hooks them to the replica manager
/// and then opens it, so the first image already starts the fetchers; <see cref="DisposeAsync"/>
/// stops them (fetchers first, so no follower append races the close) and writes the last
/// checkpoint; the replica manager itself is closed by its owner afterwards.
/// </summary>
public sealed class ReplicationRuntime(
    ReplicaManager replicas,
    ReplicaFetcherManager fetchers,
    AlterPartitionManager alterPartition,
    Func<HighWatermarkCheckpointer> checkpointer) : IAsyncDisposable
{
    private HighWatermarkCheckpointer? _checkpointer;
    private int _disposed;

    public ReplicaFetcherManager Fetchers => fetchers;

    public AlterPartitionManager AlterPartition => alterPartition;

    public void Open()
    {
        replicas.FollowersChanged = fetchers.Reconcile;
        replicas.IsrProposed = alterPartition.Submit;
        replicas.Open();
        _checkpointer = checkpointer();
    }

    /// <summary>Idempotent: the node's close step runs it, and the container disposes it again.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await fetchers.DisposeAsync().ConfigureAwait(false);
        await alterPartition.DisposeAsync().ConfigureAwait(false);
        if (_checkpointer is { } written)
        {
            await written.DisposeAsync().ConfigureAwait(false);
        }
    }
}
