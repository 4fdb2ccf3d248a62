namespace Gregor.Cluster.Log;

/// <summary>
/// Where the controller keeps the metadata log: an append-only sequence of record batches
/// (<see cref="Records.MetadataBatch"/>). An append that returned is durable (the single voter's
/// commit point). Called by one writer at a time (the controller serializes appends).
/// </summary>
public interface IMetadataLogStore : IDisposable
{
    /// <summary>Offset the next appended batch must start at (0 for an empty log).</summary>
    long EndOffset { get; }

    /// <summary>Every batch from the start of the log, in order, as stored bytes.</summary>
    IReadOnlyList<ReadOnlyMemory<byte>> ReadAll();

    /// <summary>Appends one batch whose base offset equals <see cref="EndOffset"/> and makes it durable.</summary>
    ValueTask AppendAsync(ReadOnlyMemory<byte> batch, CancellationToken cancellationToken);
}
