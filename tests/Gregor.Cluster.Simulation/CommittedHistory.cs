using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// The simulation's record of what has been committed, built from what nodes hand their state
/// machines: the batch at each offset (epoch and content) and the state hash after each offset.
/// A node that is handed something different at an offset already seen is a violation of "the
/// committed prefix is identical everywhere / nothing committed changes".
/// </summary>
public sealed class CommittedHistory(SimCluster cluster)
{
    private readonly Dictionary<long, (int Epoch, long LastOffset, long Content)> _batches = [];
    private readonly Dictionary<long, long> _stateAt = [];
    private readonly HashSet<long> _values = [];

    /// <summary>Exclusive end of the longest committed prefix any node has applied.</summary>
    public long End { get; private set; }

    /// <summary>The last batch of that prefix (base offset, epoch); null before any commit.</summary>
    public (long BaseOffset, int Epoch)? Last { get; private set; }

    public bool IsCommitted(long value) => _values.Contains(value);

    /// <summary>The largest client value committed so far (values are proposed in increasing order).</summary>
    public long MaxValue { get; private set; } = -1;

    public static long Mix(long hash, long value) => unchecked(((hash ^ value) * 1099511628211L) + (long)0x9E3779B97F4A7C15UL);

    public void ObserveBatch(SimNode node, RaftBatch batch)
    {
        long content = batch.IsControl ? -1 : 17;
        foreach (var record in batch.Records)
        {
            var value = record is ProducerIdsRecord p ? p.NextProducerId : -7;
            content = Mix(content, value);
            _values.Add(value);
            MaxValue = Math.Max(MaxValue, value);
        }

        if (_batches.TryGetValue(batch.BaseOffset, out var seen))
        {
            if (seen != (batch.Epoch, batch.LastOffset, content))
            {
                cluster.Violation($"committed batch at offset {batch.BaseOffset} differs: node {node.NodeId} has epoch {batch.Epoch} last {batch.LastOffset}, earlier epoch {seen.Epoch} last {seen.LastOffset} (content equal: {seen.Content == content})");
            }
        }
        else
        {
            _batches[batch.BaseOffset] = (batch.Epoch, batch.LastOffset, content);
        }

        if (batch.LastOffset + 1 > End)
        {
            End = batch.LastOffset + 1;
            Last = (batch.BaseOffset, batch.Epoch);
        }
    }

    /// <summary>The state hash some node had after applying everything below <paramref name="endOffset"/>.</summary>
    public bool TryGetStateAt(long endOffset, out long hash) => _stateAt.TryGetValue(endOffset, out hash);

    public void ObserveState(SimNode node, long endOffset, long hash)
    {
        if (_stateAt.TryGetValue(endOffset, out var seen))
        {
            if (seen != hash)
            {
                cluster.Violation($"node {node.NodeId}'s state after offset {endOffset - 1} differs from another node's");
            }
        }
        else
        {
            _stateAt[endOffset] = hash;
        }
    }
}
