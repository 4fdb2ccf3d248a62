namespace Gregor.Cluster.Raft;

/// <summary>
/// The disk as the Raft core sees it: the metadata partition's log (batches whose epoch is the
/// Raft epoch), its leader-epoch cache and its snapshots. Appends and truncations act on the log
/// at once (page cache); durability is explicit: <see cref="RequestFlush"/> starts an fsync of
/// everything appended so far and the driver later calls <see cref="RaftReplica.HandleFlushCompleted"/>;
/// <see cref="FlushedEndOffset"/> is the end of the durable prefix. A truncation lowers the
/// durable end too, and an fsync requested before a truncation never covers batches appended
/// after it. Snapshots are written durably before <see cref="WriteSnapshot"/>/<see cref="CompleteSnapshotDownload"/> return.
/// All calls come from the core's thread.
/// </summary>
public interface IRaftLog
{
    /// <summary>First offset in the log (the latest snapshot's end offset once the log below it is cleaned).</summary>
    long LogStartOffset { get; }

    /// <summary>Exclusive end offset of everything appended (durable or not).</summary>
    long EndOffset { get; }

    /// <summary>Exclusive end of the durable prefix (≤ <see cref="EndOffset"/>).</summary>
    long FlushedEndOffset { get; }

    /// <summary>Epoch of the last batch (or of the latest snapshot if the log is empty), 0 if none.</summary>
    int LastFetchedEpoch { get; }

    /// <summary>Appends one batch at <see cref="EndOffset"/> (its BaseOffset must equal it).</summary>
    void Append(RaftLogBatch batch);

    /// <summary>Removes every batch at or above <paramref name="offset"/> (a batch boundary).</summary>
    void TruncateTo(long offset);

    /// <summary>Starts an fsync of everything appended so far; completion is a later core event.</summary>
    void RequestFlush();

    /// <summary>Whole batches from <paramref name="offset"/> (a batch boundary) up to about <paramref name="maxBytes"/>, at least one if any.</summary>
    IReadOnlyList<RaftLogBatch> Read(long offset, int maxBytes);

    /// <summary>
    /// Kafka's leader-epoch cache lookup: the largest epoch ≤ <paramref name="epoch"/> in the log
    /// (counting the latest snapshot's epoch at the log start) and its exclusive end offset (the
    /// start of the next larger epoch, or <see cref="EndOffset"/>); (-1, -1) if there is none.
    /// </summary>
    OffsetAndEpoch EndOffsetForEpoch(int epoch);

    /// <summary>The latest snapshot's id (exclusive end offset, epoch), or null.</summary>
    OffsetAndEpoch? LatestSnapshotId { get; }

    RaftSnapshot? ReadLatestSnapshot();

    /// <summary>Writes a snapshot durably and cleans the log below its end offset.</summary>
    void WriteSnapshot(RaftSnapshot snapshot);

    /// <summary>Size in bytes of the encoded snapshot <paramref name="snapshotId"/>, or -1 if it is not there.</summary>
    long SnapshotSize(OffsetAndEpoch snapshotId);

    /// <summary>Up to <paramref name="maxBytes"/> of the encoded snapshot from <paramref name="position"/>.</summary>
    ReadOnlyMemory<byte> ReadSnapshotChunk(OffsetAndEpoch snapshotId, long position, int maxBytes);

    /// <summary>Writes a chunk of a snapshot being downloaded from the leader (FetchSnapshot).</summary>
    void WriteSnapshotChunk(OffsetAndEpoch snapshotId, long position, ReadOnlySpan<byte> chunk);

    /// <summary>
    /// Makes a fully downloaded snapshot durable and the latest, replaces the whole log with it
    /// (log start = end offset = the snapshot's end offset) and returns it decoded; throws if
    /// the bytes are not a valid snapshot.
    /// </summary>
    RaftSnapshot CompleteSnapshotDownload(OffsetAndEpoch snapshotId);
}
