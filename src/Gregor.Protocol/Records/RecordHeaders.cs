namespace Gregor.Protocol.Records;

/// <summary>
/// The headers of one record: a slice of the batch holding <see cref="Count"/> encoded headers,
/// already validated when the record was read. Enumerating allocates nothing. Immutable.
/// </summary>
public readonly struct RecordHeaders(ReadOnlyMemory<byte> encoded, int count)
{
    public int Count { get; } = count;

    /// <summary>The encoded header section exactly as it sits in the batch.</summary>
    public ReadOnlyMemory<byte> Encoded { get; } = encoded;

    public RecordHeaderEnumerator GetEnumerator() => new(Encoded, Count);
}
