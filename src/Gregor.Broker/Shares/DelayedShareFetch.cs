using Gregor.Cluster.Partitions;
using Gregor.Cluster.Purgatory;

namespace Gregor.Broker.Shares;

/// <summary>
/// A ShareFetch long poll that acquired nothing: it waits in the replica manager's fetch purgatory
/// under its partitions and completes as soon as one of them has something to acquire (an append
/// moved the high watermark past the window end, or a release made a record Available — whoever
/// releases calls CheckAndComplete for the partition). Lock expiries and backoff due times have no
/// event: the waiting fetch's timeout is cut to the earliest of them, and the fetch tries again.
/// Thread-safety: <see cref="TryComplete"/> only reads (each share partition locks itself).
/// </summary>
public sealed class DelayedShareFetch(IReadOnlyList<(SharePartition Share, Partition Log)> partitions, TimeSpan timeout) : DelayedOperation(timeout)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _done.Task;

    public override bool TryComplete()
    {
        if (IsCompleted)
        {
            return true;
        }
        foreach (var (share, log) in partitions)
        {
            if (log.IsRemoved || share.NextFetchOffset() is { } next && next < log.HighWatermark)
            {
                return ForceComplete() || IsCompleted;
            }
        }
        return false;
    }

    protected override void OnComplete() => _done.TrySetResult();
}
