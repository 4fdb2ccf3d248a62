namespace Gregor.Cluster.Replication;

/// <summary>
/// An OffsetForLeaderEpoch answer, or a fetch response's DivergingEpoch: the largest epoch ≤ the
/// one asked about and the offset where it ended (exclusive). <see cref="Undefined"/> (-1, -1)
/// when the history cannot answer (Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET).
/// </summary>
public readonly record struct EpochEndOffset(int Epoch, long EndOffset)
{
    public const int UndefinedEpoch = -1;
    public const long UndefinedEpochOffset = -1;

    public static EpochEndOffset Undefined { get; } = new(UndefinedEpoch, UndefinedEpochOffset);

    public bool IsUndefined => EndOffset == UndefinedEpochOffset;
}
