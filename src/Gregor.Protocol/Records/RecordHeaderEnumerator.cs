namespace Gregor.Protocol.Records;

/// <summary>
/// Walks encoded headers (<c>varint keyLength, key, varint valueLength (-1 = null), value</c>)
/// without allocating. A mutable struct for <c>foreach</c>; not thread-safe.
/// </summary>
public struct RecordHeaderEnumerator(ReadOnlyMemory<byte> encoded, int count)
{
    private int _position;
    private int _index;

    public RecordHeader Current { get; private set; }

    public bool MoveNext()
    {
        if (_index >= count)
        {
            return false;
        }
        var span = encoded.Span;
        var keyLength = VarInts.ReadVarInt(span, ref _position);
        if (keyLength < 0 || keyLength > span.Length - _position)
        {
            throw new ProtocolException($"record header key length {keyLength} is invalid");
        }
        var key = encoded.Slice(_position, keyLength);
        _position += keyLength;
        var valueLength = VarInts.ReadVarInt(span, ref _position);
        if (valueLength < -1 || valueLength > span.Length - _position)
        {
            throw new ProtocolException($"record header value length {valueLength} is invalid");
        }
        ReadOnlyMemory<byte>? value = null;
        if (valueLength >= 0)
        {
            value = encoded.Slice(_position, valueLength);
            _position += valueLength;
        }
        Current = new RecordHeader(key, value);
        _index++;
        return true;
    }
}
