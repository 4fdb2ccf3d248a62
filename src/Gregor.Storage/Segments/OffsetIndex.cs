using System.Buffers.Binary;

namespace Gregor.Storage.Segments;

/// <summary>
/// Sparse map from offset to file position inside one segment (Kafka's *.index). One entry is
/// added per index.interval.bytes of log (4 KiB by default), so a lookup lands at most one page
/// before the wanted batch and a read scans forward from there.
/// <para>Format: 8-byte entries, big-endian, offsets strictly increasing:
/// <code>
/// relativeOffset int32 (offset - segment base offset) | position int32 (byte position in the .log)
/// </code>
/// Example: segment 00000000000000000100.log with batches of 100 records of 3 KiB each → the
/// entry written for the batch holding offsets 300..399 at byte 6144 is
/// <c>00 00 01 2B 00 00 18 00</c> (relative 299 = its last offset 399 − 100, position 6144).
/// As in Kafka the entry names a batch by its LAST offset and points at the batch's start.</para>
/// Thread-safety: see <see cref="IndexFile"/>.
/// </summary>
internal sealed class OffsetIndex : IndexFile
{
    public const int EntrySize = 8;

    private long _lastOffset;
    private int _lastPosition;

    public OffsetIndex(string path, long baseOffset, int maxIndexBytes)
        : base(path, baseOffset, maxIndexBytes, EntrySize)
    {
        LoadLast();
    }

    /// <summary>Offset of the last entry, or the base offset when empty.</summary>
    public long LastOffset => Entries == 0 ? BaseOffset : _lastOffset;

    private void LoadLast()
    {
        if (Entries > 0)
        {
            (_lastOffset, _lastPosition) = EntryAt(Entries - 1);
        }
        else
        {
            (_lastOffset, _lastPosition) = (BaseOffset, 0);
        }
    }

    public (long Offset, int Position) EntryAt(int index)
    {
        Span<byte> entry = stackalloc byte[EntrySize];
        ReadEntry(index, entry);
        return (BaseOffset + BinaryPrimitives.ReadInt32BigEndian(entry), BinaryPrimitives.ReadInt32BigEndian(entry[4..]));
    }

    /// <summary>Adds an entry; offsets and positions must increase.</summary>
    public void Append(long offset, int position)
    {
        if (Entries > 0 && (offset <= _lastOffset || position <= _lastPosition))
        {
            throw new InvalidOperationException($"index {Path}: entry ({offset}, {position}) does not follow ({_lastOffset}, {_lastPosition})");
        }
        Span<byte> entry = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt32BigEndian(entry, checked((int)(offset - BaseOffset)));
        BinaryPrimitives.WriteInt32BigEndian(entry[4..], position);
        AppendEntry(entry);
        (_lastOffset, _lastPosition) = (offset, position);
    }

    /// <summary>
    /// The entry with the largest offset ≤ <paramref name="target"/>; (base offset, 0) when none.
    /// Scanning from that position finds the batch holding the target.
    /// </summary>
    public (long Offset, int Position) Lookup(long target)
    {
        var count = Entries;
        if (count == 0 || target < BaseOffset)
        {
            return (BaseOffset, 0);
        }
        var last = (_lastOffset, _lastPosition);
        if (target >= last._lastOffset && count == Entries)
        {
            return last; // tailing consumers: no search
        }
        var i = FloorEntry(target, index => EntryAt(index).Offset);
        return i < 0 ? (BaseOffset, 0) : EntryAt(i);
    }

    /// <summary>Removes entries for offsets ≥ <paramref name="offset"/>.</summary>
    public void TruncateTo(long offset)
    {
        var i = FloorEntry(offset - 1, index => EntryAt(index).Offset);
        TruncateToEntries(i + 1);
        LoadLast();
    }

    /// <summary>Entries must rise strictly and stay inside the segment; false means rebuild.</summary>
    public bool IsSane(long logSize)
    {
        if (!LengthWasValid)
        {
            return false;
        }
        if (Entries == 0)
        {
            return true;
        }
        return _lastOffset >= BaseOffset && _lastPosition < logSize && EntryAt(0).Offset >= BaseOffset;
    }
}
