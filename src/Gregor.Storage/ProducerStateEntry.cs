namespace Gregor.Storage;

/// <summary>
/// What the log knows about one idempotent/transactional producer, for DescribeProducers.
/// <paramref name="CurrentTxnStartOffset"/> is -1 when no transaction is open;
/// <paramref name="CoordinatorEpoch"/> -1 until a transaction marker was written.
/// </summary>
public sealed record ProducerStateEntry(
    long ProducerId,
    short ProducerEpoch,
    int LastSequence,
    long LastTimestamp,
    int CoordinatorEpoch,
    long CurrentTxnStartOffset,
    long LastOffset);
