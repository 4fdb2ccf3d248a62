using Gregor.Cluster.Replication;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>The leader's answer: an error, or the HWM with either a DivergingEpoch or batches from the fetch offset.</summary>
public sealed record SimFetchResponse(ErrorCode Error, long HighWatermark, EpochEndOffset? Diverging, IReadOnlyList<SimBatch> Batches)
{
    public static SimFetchResponse Failed(ErrorCode error) => new(error, -1, null, []);
}
