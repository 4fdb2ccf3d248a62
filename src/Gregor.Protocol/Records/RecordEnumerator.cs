namespace Gregor.Protocol.Records;

/// <summary>
/// Iterates the records of one batch's uncompressed records section, parsing each record in
/// place: no allocation per record. Reads exactly the header's record count and checks that
/// each record's fields fill its declared length and that no bytes follow the last record;
/// anything else throws <see cref="ProtocolException"/>. A mutable struct for <c>foreach</c>; not thread-safe.
/// </summary>
public struct RecordEnumerator
{
    private const int MinRecordSize = 7; // length, attributes, timestampDelta, offsetDelta, keyLength, valueLength, headerCount

    private readonly ReadOnlyMemory<byte> _records;
    private readonly int _count;
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly long _logAppendTime;
    private int _position;
    private int _index;

    internal RecordEnumerator(ReadOnlyMemory<byte> records, in RecordBatchHeader header)
    {
        _records = records;
        _count = header.RecordCount;
        _baseOffset = header.BaseOffset;
        _baseTimestamp = header.BaseTimestamp;
        _logAppendTime = header.IsLogAppendTime ? header.MaxTimestamp : long.MinValue;
        if (_count < 0 || (long)_count * MinRecordSize > records.Length)
        {
            throw new ProtocolException($"batch declares {_count} records but its {records.Length} record bytes cannot hold them");
        }
    }

    public Record Current { get; private set; }

    public readonly RecordEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        var span = _records.Span;
        if (_index >= _count)
        {
            if (_position != span.Length)
            {
                throw new ProtocolException($"{span.Length - _position} bytes follow the last of {_count} records");
            }
            return false;
        }
        if (_position >= span.Length)
        {
            throw new ProtocolException($"batch declares {_count} records but holds only {_index}");
        }
        var start = _position;
        var pos = _position;
        var length = VarInts.ReadVarInt(span, ref pos);
        if (length < MinRecordSize - 1 || length > span.Length - pos)
        {
            throw new ProtocolException($"record {_index} length {length} is invalid ({span.Length - pos} bytes left)");
        }
        var end = pos + length;
        var body = span[..end];
        var attributes = body[pos++];
        var timestampDelta = VarInts.ReadVarLong(body, ref pos);
        var offsetDelta = VarInts.ReadVarInt(body, ref pos);
        var keyLength = ReadLength(body, ref pos, "key");
        var key = keyLength > 0 ? _records.Slice(pos, keyLength) : default;
        pos += Math.Max(0, keyLength);
        var valueLength = ReadLength(body, ref pos, "value");
        var value = valueLength > 0 ? _records.Slice(pos, valueLength) : default;
        pos += Math.Max(0, valueLength);
        var headerCount = VarInts.ReadVarInt(body, ref pos);
        if (headerCount < 0 || (long)headerCount * 2 > end - pos)
        {
            throw new ProtocolException($"record {_index} header count {headerCount} is invalid");
        }
        var headersStart = pos;
        for (var i = 0; i < headerCount; i++)
        {
            var headerKeyLength = VarInts.ReadVarInt(body, ref pos);
            if (headerKeyLength < 0 || headerKeyLength > end - pos)
            {
                throw new ProtocolException($"record {_index} header key length {headerKeyLength} is invalid");
            }
            pos += headerKeyLength;
            var headerValueLength = ReadLength(body, ref pos, "header value");
            pos += Math.Max(0, headerValueLength);
        }
        if (pos != end)
        {
            throw new ProtocolException($"record {_index} declares {length} bytes but its fields use {pos - (end - length)}");
        }
        var headers = new RecordHeaders(_records[headersStart..end], headerCount);
        var timestamp = _logAppendTime != long.MinValue ? _logAppendTime : _baseTimestamp + timestampDelta;
        Current = new Record(end - start, attributes, timestampDelta, offsetDelta, _baseOffset + offsetDelta, timestamp,
            key, keyLength < 0, value, valueLength < 0, headers);
        _position = end;
        _index++;
        return true;
    }

    private readonly int ReadLength(ReadOnlySpan<byte> body, ref int pos, string what)
    {
        var length = VarInts.ReadVarInt(body, ref pos);
        if (length < -1 || length > body.Length - pos)
        {
            throw new ProtocolException($"record {_index} {what} length {length} is invalid ({body.Length - pos} bytes left)");
        }
        return length;
    }
}
