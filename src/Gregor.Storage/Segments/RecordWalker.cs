using Gregor.Protocol;
using Gregor.Protocol.Records;

namespace Gregor.Storage.Segments;

/// <summary>
/// Walks the records of one uncompressed v2 batch (or a decompressed records section) in place,
/// for compaction (keys) and timestamp lookup. Each record is
/// <code>
/// length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
/// keyLength varint (-1 = null) | key | valueLength varint (-1 = tombstone) | value |
/// headerCount varint | headers (keyLength varint, key, valueLength varint, value)...
/// </code>
/// (varints zig-zag encoded as in protobuf). Malformed records throw
/// <see cref="ProtocolException"/>. No allocation; a ref struct over the batch bytes.
/// </summary>
internal ref struct RecordWalker
{
    private readonly ReadOnlySpan<byte> _records;
    private int _position;
    private int _remaining;

    public RecordWalker(ReadOnlySpan<byte> batch)
    {
        if (!RecordBatchHeader.TryRead(batch, out var header) || header.TotalSize > batch.Length)
        {
            throw new ProtocolException("record batch is truncated");
        }
        if (header.Compression != CompressionType.None)
        {
            throw new ProtocolException("record walker reads uncompressed batches only");
        }
        _records = batch[RecordBatchHeader.Size..header.TotalSize];
        _remaining = header.RecordCount;
        Current = default;
    }

    /// <summary>Walks an already uncompressed records section holding <paramref name="count"/> records.</summary>
    public RecordWalker(ReadOnlySpan<byte> records, int count)
    {
        _records = records;
        _remaining = count;
        Current = default;
    }

    public RecordView Current { get; private set; }

    public readonly RecordWalker GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining == 0)
        {
            if (_position != _records.Length)
            {
                throw new ProtocolException("record batch has bytes after its last record");
            }
            return false;
        }
        _remaining--;
        var start = _position;
        var length = ReadVarLong(_records, ref _position);
        if (length < 0 || length > _records.Length - _position)
        {
            throw new ProtocolException($"record length {length} does not fit the batch");
        }
        var end = _position + (int)length;
        var p = _position + 1; // attributes
        var timestampDelta = ReadVarLong(_records[..end], ref p);
        var offsetDelta = ReadVarLong(_records[..end], ref p);
        var keyLength = ReadVarLong(_records[..end], ref p);
        var keyStart = p;
        if (keyLength > 0)
        {
            if (keyLength > end - p)
            {
                throw new ProtocolException("record key does not fit the record");
            }
            p += (int)keyLength;
        }
        var valueLength = ReadVarLong(_records[..end], ref p);
        Current = new RecordView(
            (int)offsetDelta,
            timestampDelta,
            keyLength < 0 ? -1 : keyStart,
            (int)Math.Max(keyLength, 0),
            valueLength < 0,
            start,
            end - start);
        _position = end;
        return true;
    }

    /// <summary>The key bytes of <paramref name="record"/> (empty for a null key).</summary>
    public readonly ReadOnlySpan<byte> KeyOf(in RecordView record) =>
        record.KeyStart < 0 ? ReadOnlySpan<byte>.Empty : _records.Slice(record.KeyStart, record.KeyLength);

    /// <summary>The whole encoded record (length prefix included), to copy into a rewritten batch.</summary>
    public readonly ReadOnlySpan<byte> BytesOf(in RecordView record) => _records.Slice(record.Start, record.Length);

    internal static long ReadVarLong(ReadOnlySpan<byte> data, ref int position)
    {
        ulong raw = 0;
        var shift = 0;
        while (true)
        {
            if (position >= data.Length)
            {
                throw new ProtocolException("varint runs past the record");
            }
            var b = data[position++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
            shift += 7;
            if (shift > 63)
            {
                throw new ProtocolException("varint is longer than 10 bytes");
            }
        }
        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }
}

/// <summary>Where one record's fields lie inside its batch (see <see cref="RecordWalker"/>).</summary>
internal readonly record struct RecordView(int OffsetDelta, long TimestampDelta, int KeyStart, int KeyLength, bool IsTombstone, int Start, int Length)
{
    public bool HasKey => KeyStart >= 0;
}
