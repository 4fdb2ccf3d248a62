using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Gregor.Protocol.Primitives;

/// <summary>
/// Writes Kafka wire primitives into a growable buffer rented from the shared array pool.
/// Call <see cref="Dispose"/> to return the buffer. Not thread-safe. The frame length prefix
/// is written by reserving four bytes and patching them (<see cref="PatchInt32"/>), so no
/// message needs a separate size pass.
/// <para>
/// Splicing (opt-in, <see cref="EnableSplicing"/>): <see cref="WriteRecords"/> then records large
/// record-set values by reference instead of copying them, so a fetch response's batches go
/// from the buffer they were read into straight to the transport. The written message is then
/// the buffer with each <see cref="Splice"/> inserted at its position; <see cref="Length"/> and
/// <see cref="WrittenSpan"/> cover the buffer only and <see cref="TotalLength"/> the whole. The
/// caller keeps spliced memory alive until the message has been written out.
/// </para>
/// </summary>
public sealed class ProtocolWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _length;
    private List<Splice>? _splices;
    private int _spliceMinimumBytes = int.MaxValue;

    public ProtocolWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    /// <summary>Bytes in the buffer (spliced values excluded).</summary>
    public int Length => _length;

    /// <summary>Bytes of the whole message: the buffer plus every spliced value.</summary>
    public long TotalLength => LengthSince(0);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Bytes of the message written since buffer position <paramref name="position"/>, spliced values included.</summary>
    public long LengthSince(int position)
    {
        long length = _length - position;
        if (_splices is { } splices)
        {
            for (var i = splices.Count - 1; i >= 0 && splices[i].Position >= position; i--)
            {
                length += splices[i].Bytes.Length;
            }
        }
        return length;
    }

    /// <summary>Values written by reference, in buffer order (empty unless splicing is enabled).</summary>
    public IReadOnlyList<Splice> Splices => _splices ?? (IReadOnlyList<Splice>)[];

    /// <summary>From now on, record sets of at least <paramref name="minimumBytes"/> are spliced, not copied.</summary>
    public void EnableSplicing(int minimumBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumBytes);
        _spliceMinimumBytes = minimumBytes;
    }

    public void Reset()
    {
        _length = 0;
        _splices?.Clear();
    }

    /// <summary>
    /// Drops everything written after <paramref name="length"/> bytes (an abandoned frame),
    /// splices at exactly that point included: a rewind point is where a frame started.
    /// </summary>
    public void Rewind(int length)
    {
        if ((uint)length > (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(length));
        }
        _length = length;
        // A splice at the rewind point was written after the kept bytes: it goes too.
        while (_splices is { Count: > 0 } splices && splices[^1].Position >= length)
        {
            splices.RemoveAt(splices.Count - 1);
        }
    }

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(1, sizeHint));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(1, sizeHint));
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _length >= count)
        {
            return;
        }
        var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
        _buffer.AsSpan(0, _length).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = grown;
    }

    private Span<byte> Take(int count)
    {
        Ensure(count);
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    public void WriteInt8(sbyte value) => Take(1)[0] = (byte)value;
    public void WriteBool(bool value) => Take(1)[0] = value ? (byte)1 : (byte)0;
    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Take(2), value);
    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Take(4), value);
    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);
    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Take(8), value);
    public void WriteUuid(Guid value) => value.TryWriteBytes(Take(16), bigEndian: true, out _);
    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    public void PatchInt32(int position, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), value);

    public void WriteUnsignedVarInt(uint value)
    {
        while (value >= 0x80)
        {
            Take(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }
        Take(1)[0] = (byte)value;
    }

    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    public void WriteUnsignedVarLong(ulong value)
    {
        while (value >= 0x80)
        {
            Take(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }
        Take(1)[0] = (byte)value;
    }

    public void WriteVarLong(long value) => WriteUnsignedVarLong((ulong)((value << 1) ^ (value >> 63)));

    public void WriteCompactLength(int length) => WriteUnsignedVarInt((uint)(length + 1));

    public void WriteString(string? value, bool compact)
    {
        if (value is null)
        {
            if (compact)
            {
                WriteUnsignedVarInt(0);
            }
            else
            {
                WriteInt16(-1);
            }
            return;
        }
        var byteCount = Encoding.UTF8.GetByteCount(value);
        if (compact)
        {
            WriteCompactLength(byteCount);
        }
        else
        {
            if (byteCount > short.MaxValue)
            {
                throw new ProtocolException($"string of {byteCount} bytes exceeds int16 length");
            }
            WriteInt16((short)byteCount);
        }
        Encoding.UTF8.GetBytes(value, Take(byteCount));
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool compact)
    {
        if (compact)
        {
            WriteCompactLength(value.Length);
        }
        else
        {
            WriteInt32(value.Length);
        }
        WriteRaw(value);
    }

    /// <summary>
    /// A <c>records</c> field: length then bytes, like <see cref="WriteBytes"/>, except that with
    /// splicing enabled a large value is kept by reference (see the class comment).
    /// </summary>
    public void WriteRecords(ReadOnlyMemory<byte> value, bool compact)
    {
        if (value.Length < _spliceMinimumBytes)
        {
            WriteBytes(value.Span, compact);
            return;
        }
        if (compact)
        {
            WriteCompactLength(value.Length);
        }
        else
        {
            WriteInt32(value.Length);
        }
        (_splices ??= []).Add(new Splice(_length, value));
    }

    public void WriteNullBytes(bool compact)
    {
        if (compact)
        {
            WriteUnsignedVarInt(0);
        }
        else
        {
            WriteInt32(-1);
        }
    }

    public void WriteArrayLength(int count, bool compact)
    {
        if (compact)
        {
            WriteCompactLength(count);
        }
        else
        {
            WriteInt32(count);
        }
    }

    /// <summary>
    /// Inserts an unsigned varint at <paramref name="position"/>, moving the bytes after it: used
    /// for a tagged field's size, known only after the field is written (fields are small).
    /// </summary>
    public void InsertUnsignedVarInt(int position, uint value)
    {
        var size = 1;
        for (var rest = value >> 7; rest != 0; rest >>= 7)
        {
            size++;
        }
        if (_splices is { Count: > 0 } splices && splices[^1].Position >= position)
        {
            // The size being inserted is Length - position, which would leave the spliced bytes out.
            throw new InvalidOperationException("a spliced record set cannot sit inside a tagged field");
        }
        Ensure(size);
        var tail = _length - position;
        _buffer.AsSpan(position, tail).CopyTo(_buffer.AsSpan(position + size, tail));
        var target = _buffer.AsSpan(position, size);
        for (var i = 0; i < size - 1; i++)
        {
            target[i] = (byte)(value | 0x80);
            value >>= 7;
        }
        target[size - 1] = (byte)value;
        _length += size;
    }

    /// <summary>A raw tagged field: tag, size, bytes.</summary>
    public void WriteTaggedField(int tag, ReadOnlySpan<byte> data)
    {
        WriteUnsignedVarInt((uint)tag);
        WriteUnsignedVarInt((uint)data.Length);
        WriteRaw(data);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        _splices = null;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
