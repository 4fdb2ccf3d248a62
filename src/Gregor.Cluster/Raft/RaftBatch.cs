using Gregor.Cluster.Records;

namespace Gregor.Cluster.Raft;

/// <summary>
/// One committed batch handed to listeners, in log order. Control batches (LeaderChange, Voters,
/// snapshot header/footer) are not delivered as records (<see cref="Records"/> is empty for them,
/// <see cref="IsControl"/> is true) so listeners see every offset.
/// </summary>
public sealed record RaftBatch(long BaseOffset, long LastOffset, int Epoch, long AppendTimestampMs,
    IReadOnlyList<MetadataRecord> Records, bool IsControl = false);
