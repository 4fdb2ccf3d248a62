using Gregor.Cluster.Purgatory;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// An acks=all produce waiting for the high watermark to cover its batch (Kafka's DelayedProduce):
/// complete once the partition's high watermark reaches <c>requiredOffset</c> (the end of the
/// appended batch), i.e. every in-sync replica has it. On a single node the ISR is this node and
/// the high watermark advances as the local append returns, so it completes on its first check;
/// with followers it completes when their fetches advance the high watermark — then
/// NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR has meanwhile fewer than min.insync.replicas members
/// (Kafka's checkEnoughReplicasReachOffset). Expiry after the request's timeout.ms answers
/// REQUEST_TIMED_OUT, a partition gone or no longer led here NOT_LEADER_OR_FOLLOWER, a full
/// purgatory NOT_ENOUGH_REPLICAS_AFTER_APPEND (the batch is in the leader's log either way).
/// </summary>
public sealed class DelayedProduce : DelayedOperation
{
    private readonly Partition _partition;
    private readonly long _requiredOffset;
    private readonly TaskCompletionSource<ErrorCode> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DelayedProduce(Partition partition, long requiredOffset, TimeSpan timeout)
        : base(timeout)
    {
        _partition = partition;
        _requiredOffset = requiredOffset;
    }

    /// <summary>The error code the partition's produce response carries (None once covered).</summary>
    public Task<ErrorCode> Completion => _done.Task;

    public override bool TryComplete() =>
        IsCompleted
        || ((_partition.IsRemoved || !_partition.IsLeader || _partition.HighWatermark >= _requiredOffset) && (ForceComplete() || IsCompleted));

    protected override void OnComplete()
    {
        if (Outcome == DelayedOperationOutcome.Cancelled)
        {
            _done.TrySetCanceled();
            return;
        }
        _done.TrySetResult(
            _partition.IsRemoved || !_partition.IsLeader ? ErrorCode.NotLeaderOrFollower
            : _partition.HighWatermark >= _requiredOffset ? (_partition.HasEnoughInsyncReplicas ? ErrorCode.None : ErrorCode.NotEnoughReplicasAfterAppend)
            : Outcome == DelayedOperationOutcome.Expired ? ErrorCode.RequestTimedOut
            : ErrorCode.NotEnoughReplicasAfterAppend);
    }
}
