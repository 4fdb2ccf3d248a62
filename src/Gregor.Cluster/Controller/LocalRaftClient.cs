using Gregor.Cluster.Log;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The <see cref="IRaftClient"/> of a node that is the only voter and runs no Raft protocol
/// (<c>gregor serve</c> without a quorum): the metadata log store is the log, an append made
/// durable is committed, and this node leads one epoch past the last in the log. Appends are
/// queued by <see cref="ScheduleAtomicAppend"/> and made durable, then handed to listeners, by
/// <see cref="FlushAsync"/> — so a listener is never re-entered from inside its own append.
/// Not thread-safe: the controller shell calls it under its one loop lock.
/// </summary>
public sealed class LocalRaftClient : IRaftClient
{
    private readonly IMetadataLogStore _store;
    private readonly TimeProvider _time;
    private readonly List<IRaftListener> _listeners = [];
    private readonly Queue<RaftBatch> _unflushed = new();
    private long _nextOffset;

    public LocalRaftClient(int nodeId, IMetadataLogStore store, TimeProvider time)
    {
        NodeId = nodeId;
        _store = store;
        _time = time;
        _nextOffset = store.EndOffset;
    }

    public int NodeId { get; }

    public LeaderAndEpoch LeaderAndEpoch { get; private set; }

    public long HighWatermark { get; private set; } = -1;

    /// <summary>Records replayed from the store by <see cref="Open"/>.</summary>
    public int ReplayedRecords { get; private set; }

    public void Register(IRaftListener listener) => _listeners.Add(listener);

    /// <summary>
    /// Hands every stored batch to the listeners, then makes this node the leader of the epoch
    /// after the last one in the log (as an election would). Throws what decoding throws for a
    /// corrupt log.
    /// </summary>
    public void Open()
    {
        var lastEpoch = 0;
        foreach (var stored in _store.ReadAll())
        {
            RecordBatchHeader.TryRead(stored.Span, out var header);
            lastEpoch = Math.Max(lastEpoch, header.PartitionLeaderEpoch);
            var entries = MetadataBatch.Decode(stored);
            var records = new List<MetadataRecord>(entries.Count);
            foreach (var entry in entries)
            {
                // Record types this node does not know replay as no-ops.
                records.Add(entry.Record ?? new NoOpRecord());
            }
            ReplayedRecords += records.Count;
            Deliver(new RaftBatch(header.BaseOffset, header.LastOffset, header.PartitionLeaderEpoch, header.MaxTimestamp, records));
        }
        _nextOffset = _store.EndOffset;
        LeaderAndEpoch = new LeaderAndEpoch(NodeId, lastEpoch + 1);
        foreach (var listener in _listeners)
        {
            listener.HandleLeaderChange(LeaderAndEpoch);
        }
    }

    public long ScheduleAtomicAppend(int epoch, IReadOnlyList<MetadataRecord> records)
    {
        if (epoch != LeaderAndEpoch.Epoch || LeaderAndEpoch.LeaderId != NodeId)
        {
            throw new NotLeaderException(LeaderAndEpoch, epoch);
        }
        if (records.Count == 0)
        {
            throw new ArgumentException("a metadata batch holds at least one record", nameof(records));
        }
        var batch = new RaftBatch(_nextOffset, _nextOffset + records.Count - 1, epoch, _time.GetUtcNow().ToUnixTimeMilliseconds(), records);
        _nextOffset = batch.LastOffset + 1;
        _unflushed.Enqueue(batch);
        return batch.LastOffset;
    }

    /// <summary>True while appended batches wait for <see cref="FlushAsync"/>.</summary>
    public bool HasUnflushed => _unflushed.Count > 0;

    /// <summary>
    /// Makes every queued batch durable, in order, and hands each to the listeners once it is
    /// (which may queue more: the loop runs until none is left). Not cancellable: once bytes may
    /// be on disk the outcome must be known.
    /// </summary>
    public async ValueTask FlushAsync()
    {
        while (_unflushed.TryDequeue(out var batch))
        {
            var bytes = MetadataBatch.Encode(batch.BaseOffset, batch.Epoch, batch.AppendTimestampMs, batch.Records);
            await _store.AppendAsync(bytes, CancellationToken.None).ConfigureAwait(false);
            Deliver(batch);
        }
    }

    /// <summary>Snapshots are not written in a cluster of one: the whole log is replayed on start.</summary>
    public void CreateSnapshot(OffsetAndEpoch lastContained, long lastContainedLogTimeMs, IReadOnlyList<MetadataRecord> records)
    {
    }

    public void Resign(int epoch)
    {
    }

    private void Deliver(RaftBatch batch)
    {
        HighWatermark = batch.LastOffset + 1;
        foreach (var listener in _listeners)
        {
            listener.HandleCommit(batch);
        }
    }
}
