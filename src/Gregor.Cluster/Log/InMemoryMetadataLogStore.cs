using Gregor.Protocol.Records;

namespace Gregor.Cluster.Log;

/// <summary>
/// A metadata log held in memory: for tests and for simulating restarts (hand the same store
/// to a new controller). Thread-safe through a lock; bounded only by what the controller writes.
/// </summary>
public sealed class InMemoryMetadataLogStore : IMetadataLogStore
{
    private readonly List<ReadOnlyMemory<byte>> _batches = [];
    private readonly Lock _lock = new();
    private long _endOffset;

    public long EndOffset
    {
        get
        {
            lock (_lock)
            {
                return _endOffset;
            }
        }
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> ReadAll()
    {
        lock (_lock)
        {
            return [.. _batches];
        }
    }

    public ValueTask AppendAsync(ReadOnlyMemory<byte> batch, CancellationToken cancellationToken)
    {
        if (!RecordBatchHeader.TryRead(batch.Span, out var header))
        {
            throw new ArgumentException("not a record batch", nameof(batch));
        }
        lock (_lock)
        {
            if (header.BaseOffset != _endOffset)
            {
                throw new InvalidOperationException($"batch base offset {header.BaseOffset} != log end offset {_endOffset}");
            }
            _batches.Add(batch.ToArray());
            _endOffset = header.LastOffset + 1;
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
    }
}
