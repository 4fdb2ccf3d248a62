using System.Buffers.Binary;

namespace Gregor.Storage.Segments;

/// <summary>
/// Sparse map from timestamp to offset inside one segment (Kafka's *.timeindex), for
/// ListOffsets by time and for time-based retention. An entry is added alongside an offset
/// index entry whenever the segment's largest timestamp grew, and on roll/close, so the last
/// entry holds the segment's largest timestamp.
/// <para>Format: 12-byte entries, big-endian, timestamps strictly increasing:
/// <code>
/// timestamp int64 (largest timestamp so far) | relativeOffset int32 (offset where it was seen)
/// </code>
/// Example: segment base 100, batch at offsets 300..399 with maxTimestamp 1700000000000 →
/// <c>00 00 01 8B CF E5 68 00 00 00 01 2B</c>.</para>
/// Thread-safety: see <see cref="IndexFile"/>.
/// </summary>
internal sealed class TimeIndex : IndexFile
{
    public const int EntrySize = 12;

    private long _lastTimestamp = -1;
    private long _lastOffset;

    public TimeIndex(string path, long baseOffset, int maxIndexBytes)
        : base(path, baseOffset, maxIndexBytes, EntrySize)
    {
        LoadLast();
    }

    /// <summary>The largest timestamp indexed, or -1 when empty.</summary>
    public long LastTimestamp => Entries == 0 ? -1 : _lastTimestamp;

    public long LastOffset => Entries == 0 ? BaseOffset : _lastOffset;

    private void LoadLast()
    {
        if (Entries > 0)
        {
            (_lastTimestamp, _lastOffset) = EntryAt(Entries - 1);
        }
        else
        {
            (_lastTimestamp, _lastOffset) = (-1, BaseOffset);
        }
    }

    public (long Timestamp, long Offset) EntryAt(int index)
    {
        Span<byte> entry = stackalloc byte[EntrySize];
        ReadEntry(index, entry);
        return (BinaryPrimitives.ReadInt64BigEndian(entry), BaseOffset + BinaryPrimitives.ReadInt32BigEndian(entry[8..]));
    }

    /// <summary>Adds (timestamp, offset) when the timestamp is larger than the last one; otherwise no-op.</summary>
    public void MaybeAppend(long timestamp, long offset)
    {
        if (Entries > 0 && (timestamp <= _lastTimestamp || offset < _lastOffset))
        {
            return;
        }
        Span<byte> entry = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt64BigEndian(entry, timestamp);
        BinaryPrimitives.WriteInt32BigEndian(entry[8..], checked((int)(offset - BaseOffset)));
        AppendEntry(entry);
        (_lastTimestamp, _lastOffset) = (timestamp, offset);
    }

    /// <summary>The entry with the largest timestamp ≤ <paramref name="timestamp"/>; (-1, base offset) when none.</summary>
    public (long Timestamp, long Offset) Lookup(long timestamp)
    {
        var i = FloorEntry(timestamp, index => EntryAt(index).Timestamp);
        return i < 0 ? (-1, BaseOffset) : EntryAt(i);
    }

    /// <summary>Removes entries for offsets ≥ <paramref name="offset"/>.</summary>
    public void TruncateTo(long offset)
    {
        // Offsets rise with timestamps in this index, so the same floor search works on offsets.
        var i = FloorEntry(offset - 1, index => EntryAt(index).Offset);
        TruncateToEntries(i + 1);
        LoadLast();
    }

    public bool IsSane()
    {
        if (!LengthWasValid)
        {
            return false;
        }
        return Entries == 0 || (_lastOffset >= BaseOffset && EntryAt(0).Offset >= BaseOffset);
    }
}
