using System.Buffers;

namespace Gregor.Protocol.Records;

/// <summary>
/// The uncompressed records of one batch, ready to iterate: a slice of the batch itself when it
/// is uncompressed, or a pooled buffer holding the decompressed records. Dispose it (once) to
/// return that buffer; records read from it are invalid afterwards. A struct: do not copy it
/// and dispose both copies. Not thread-safe.
/// </summary>
public struct RecordBatchRecords : IDisposable
{
    private readonly RecordBatchHeader _header;
    private byte[]? _rented;

    internal RecordBatchRecords(in RecordBatchHeader header, ReadOnlyMemory<byte> records, byte[]? rented)
    {
        _header = header;
        Bytes = records;
        _rented = rented;
    }

    /// <summary>The uncompressed records section.</summary>
    public ReadOnlyMemory<byte> Bytes { get; private set; }

    public readonly int Count => _header.RecordCount;

    public readonly RecordEnumerator GetEnumerator() => new(Bytes, _header);

    public void Dispose()
    {
        Bytes = default;
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
