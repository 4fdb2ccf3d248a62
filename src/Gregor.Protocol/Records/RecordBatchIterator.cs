namespace Gregor.Protocol.Records;

/// <summary>
/// Walks the record batches concatenated in one <c>records</c> field (a produce request, a fetch
/// response, a log segment). Stops cleanly at a partial trailing batch — fetch responses may end
/// with one cut at the size limit — and reports it in <see cref="TrailingBytes"/>. A batch that
/// is complete but invalid (bad length, magic, CRC) throws <see cref="ProtocolException"/>.
/// A mutable struct: loop with <c>while (it.MoveNext())</c> to read <see cref="TrailingBytes"/>
/// afterwards (<c>foreach</c> works on a copy). Not thread-safe.
/// </summary>
public struct RecordBatchIterator(ReadOnlyMemory<byte> records, bool verifyCrc = true)
{
    private int _position;

    public RecordBatch Current { get; private set; }

    /// <summary>Bytes taken by the complete batches read so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left after the last complete batch (a partial batch when non-zero after MoveNext returned false).</summary>
    public readonly int TrailingBytes => records.Length - _position;

    public readonly RecordBatchIterator GetEnumerator() => this;

    public bool MoveNext()
    {
        var rest = records[_position..];
        if (rest.Length < RecordBatchHeader.LogOverhead)
        {
            return false;
        }
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(rest.Span[RecordBatchHeader.LengthOffset..]);
        if (length < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead)
        {
            throw new ProtocolException($"record batch at byte {_position} has invalid length {length}");
        }
        if ((long)RecordBatchHeader.LogOverhead + length > rest.Length)
        {
            return false; // partial trailing batch
        }
        Current = RecordBatch.Read(rest, verifyCrc);
        _position += Current.Bytes.Length;
        return true;
    }
}
