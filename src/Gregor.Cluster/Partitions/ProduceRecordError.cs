namespace Gregor.Cluster.Partitions;

/// <summary>One record a produce refused: its index in the batch and why (a Produce v8+ RecordErrors entry).</summary>
public readonly record struct ProduceRecordError(int BatchIndex, string Message);
