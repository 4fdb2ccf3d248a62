using Gregor.Protocol.Records;
using Gregor.Storage;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The operations a hosted partition needs from its log. It is the seam between the broker and
/// Gregor.Storage: StorageReplicaLog adapts a storage PartitionLog, tests use an
/// in-memory log. Failures are <see cref="Gregor.Protocol.Errors.KafkaException"/>s (the storage
/// exceptions derive from it), carrying the code the client is told,
/// and must be safe for concurrent appends and reads; an append completes only once durable per the
/// flush policy.
/// </summary>
public interface IReplicaLog : IDisposable
{
    /// <summary>First offset still readable (advanced by retention and DeleteRecords).</summary>
    long LogStartOffset { get; }

    /// <summary>The offset the next appended record gets (LEO).</summary>
    long LogEndOffset { get; }

    /// <summary>
    /// Appends the one batch of a produce partition as the leader in <paramref name="leaderEpoch"/>,
    /// assigning offsets. Idempotent duplicates return the original offsets. <paramref name="batch"/>
    /// is what <see cref="ProduceRecordsValidator"/> made of <paramref name="records"/> (CRC32C
    /// included): implementations consume its fields and never parse or checksum the bytes again.
    /// </summary>
    ValueTask<LogAppendResult> AppendAsLeaderAsync(ReadOnlyMemory<byte> records, ValidatedBatch batch, int leaderEpoch, CancellationToken cancellationToken);

    /// <summary>
    /// Reads whole batches starting at the batch that contains <paramref name="fetchOffset"/>, up to
    /// <paramref name="maxBytes"/> (the first batch whole even when larger if
    /// <paramref name="minOneMessage"/>), never past <paramref name="maxOffset"/> (exclusive).
    /// Returns null when there is nothing to read. Throws <see cref="Gregor.Protocol.Errors.KafkaException"/>
    /// (OFFSET_OUT_OF_RANGE) for an offset outside [LogStartOffset, LogEndOffset].
    /// </summary>
    FetchedRecords? Read(long fetchOffset, int maxBytes, long maxOffset, bool minOneMessage);

    /// <summary>The first offset whose timestamp is at least <paramref name="timestamp"/>, or null.</summary>
    LogOffsetAndTimestamp? FindOffsetByTimestamp(long timestamp);

    /// <summary>The offset and timestamp of the record with the largest timestamp, or null for an empty log.</summary>
    LogOffsetAndTimestamp? FindMaxTimestamp();

    /// <summary>Advances the log start offset to <paramref name="offset"/>; returns the new log start offset.</summary>
    long DeleteRecordsBefore(long offset);

    /// <summary>
    /// The end offset of <paramref name="epoch"/> from the leader-epoch checkpoint: the largest epoch
    /// not above it and the first offset of the next greater epoch (or LEO). Null when this log keeps
    /// no epoch history, so the partition answers from its current epoch.
    /// </summary>
    (int Epoch, long EndOffset)? EndOffsetForEpoch(int epoch);

    /// <summary>The leader-epoch history (epoch, first offset), oldest first; empty when the log keeps none.</summary>
    IReadOnlyList<(int Epoch, long StartOffset)> LeaderEpochs { get; }

    /// <summary>The latest leader epoch of a batch in the log (the last fetched epoch a follower sends), or -1 when none.</summary>
    int LatestEpoch { get; }

    /// <summary>
    /// Appends batches fetched from the leader as they are (offsets and epochs already assigned;
    /// each batch's CRC checked, nothing rewritten); they must start at or after the log end.
    /// Completes once durable per the flush policy.
    /// </summary>
    ValueTask AppendAsFollowerAsync(ReadOnlyMemory<byte> records, CancellationToken cancellationToken);

    /// <summary>Removes every batch at or after <paramref name="offset"/> (a follower's divergent tail); no-op at or past the log end.</summary>
    void TruncateTo(long offset);

    /// <summary>Empties the log and restarts it at <paramref name="offset"/> (a follower behind the leader's log start).</summary>
    void TruncateFullyAndStartAt(long offset);

    /// <summary>Idempotent producers the log holds state for.</summary>
    IReadOnlyCollection<ProducerStateEntry> ActiveProducers { get; }

    /// <summary>Applies changed topic configs (retention, segment size, timestamp type …).</summary>
    void UpdateConfig(IReadOnlyDictionary<string, string> topicConfigs);
}
