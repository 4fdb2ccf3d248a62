using System.Buffers.Binary;
using Gregor.Cluster.Partitions;

namespace Gregor.Broker.Shares;

/// <summary>
/// The last offset of fetched record batches, from their headers alone (base offset at 0, length at
/// 8, last offset delta at 23 of each v2 batch): a share fetch acquires only offsets the response
/// really carries. Reads 27 bytes per batch, never a record.
/// </summary>
public static class RecordBatchOffsets
{
    private const int HeaderPrefix = 27;

    /// <summary>The last offset of the last whole batch in <paramref name="records"/>, or null when none is whole.</summary>
    public static long? LastOffset(FetchedRecords records) => Walk(records, long.MaxValue).LastOffset;

    /// <summary>
    /// The bytes of the whole batches up to and including the one that holds <paramref name="offset"/>
    /// (all whole batches when none does): what a response must carry to deliver that offset.
    /// </summary>
    public static int BytesThrough(FetchedRecords records, long offset) => Walk(records, offset).Bytes;

    private static (long? LastOffset, int Bytes) Walk(FetchedRecords records, long stopAt)
    {
        ArgumentNullException.ThrowIfNull(records);
        Span<byte> header = stackalloc byte[HeaderPrefix];
        long? last = null;
        long position = 0;
        while (position + HeaderPrefix <= records.Length)
        {
            var read = 0;
            while (read < HeaderPrefix)
            {
                var n = records.ReadAt(position + read, header[read..]);
                if (n <= 0)
                {
                    return (last, (int)position);
                }
                read += n;
            }
            var baseOffset = BinaryPrimitives.ReadInt64BigEndian(header);
            var length = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
            var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(header[23..]);
            if (length < HeaderPrefix - 12 || position + 12 + length > records.Length)
            {
                return (last, (int)position);
            }
            last = baseOffset + lastOffsetDelta;
            position += 12 + length;
            if (last >= stopAt)
            {
                break;
            }
        }
        return (last, (int)position);
    }
}
