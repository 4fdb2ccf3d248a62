using Gregor.Cluster.Purgatory;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// A long-poll fetch that found fewer than min bytes (Kafka's DelayedFetch). It watches log
/// positions instead of re-reading: before its first read it noted each partition's
/// <see cref="Partition.VisibleBytes"/>, and on every append to one of them it adds up how many
/// bytes became readable since (each partition capped by its max bytes). Once that reaches min
/// bytes, or a partition went away or changed leader epoch, it completes, and the fetch reads
/// once more, for the response. The first read is not kept: its result holds only pinned file
/// ranges, so dropping it costs no copied bytes.
/// <para>Thread-safety: <see cref="TryComplete"/> runs on appending threads concurrently; it only
/// reads the partitions' counters. The awaiting fetch continues asynchronously.</para>
/// </summary>
public sealed class DelayedFetch : DelayedOperation
{
    private readonly Partition?[] _partitions;
    private readonly long[] _visibleBytesBefore;
    private readonly int[] _leaderEpochs;
    private readonly int[] _partitionMaxBytes;
    private readonly long _bytesAlready;
    private readonly long _minBytes;
    private readonly bool _fromFollower;
    private readonly TaskCompletionSource<DelayedOperationOutcome> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="partitions">The hosted partitions of the fetch (null for one that is not hosted).</param>
    /// <param name="visibleBytesBefore">Each partition's <see cref="Partition.VisibleBytes"/> taken before the first read.</param>
    /// <param name="leaderEpochs">Each partition's leader epoch at that time.</param>
    /// <param name="partitionMaxBytes">Each partition's max bytes in the request.</param>
    /// <param name="bytesAlready">What the first read found.</param>
    /// <param name="minBytes">The request's min bytes.</param>
    /// <param name="timeout">What is left of the request's max wait.</param>
    /// <param name="fromFollower">A follower's fetch: it reads up to the log end, so it counts <see cref="Partition.BytesAppended"/> (the positions given are those) rather than the visible bytes.</param>
    public DelayedFetch(Partition?[] partitions, long[] visibleBytesBefore, int[] leaderEpochs, int[] partitionMaxBytes, long bytesAlready, long minBytes, TimeSpan timeout, bool fromFollower = false)
        : base(timeout)
    {
        _fromFollower = fromFollower;
        _partitions = partitions;
        _visibleBytesBefore = visibleBytesBefore;
        _leaderEpochs = leaderEpochs;
        _partitionMaxBytes = partitionMaxBytes;
        _bytesAlready = bytesAlready;
        _minBytes = minBytes;
    }

    /// <summary>How it ended: completed (enough bytes, or a partition changed), expired, cancelled or overflowed.</summary>
    public Task<DelayedOperationOutcome> Completion => _done.Task;

    public override bool TryComplete()
    {
        if (IsCompleted)
        {
            return true;
        }
        var available = _bytesAlready;
        for (var i = 0; i < _partitions.Length; i++)
        {
            var partition = _partitions[i];
            if (partition is null)
            {
                continue;
            }
            if (partition.IsRemoved || !partition.IsLeader || partition.LeaderEpoch != _leaderEpochs[i])
            {
                // The next read answers with the partition's error.
                return ForceComplete() || IsCompleted;
            }
            var grown = (_fromFollower ? partition.BytesAppended : partition.VisibleBytes) - _visibleBytesBefore[i];
            available += Math.Min(grown, _partitionMaxBytes[i]);
        }
        return available >= _minBytes && (ForceComplete() || IsCompleted);
    }

    protected override void OnComplete() => _done.TrySetResult(Outcome);
}
