using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Gregor.Capture.Mock;

/// <summary>
/// An in-memory topic of the mock broker: partitions holding the produced record batches as
/// received (base offset rewritten, the CRC does not cover it). Guarded by the owning
/// <see cref="MockBroker"/>'s lock.
/// </summary>
internal sealed class MockTopic
{
    public MockTopic(string name, int partitions)
    {
        Name = name;
        // A stable id per name, so a capture rerun sends the same topic ids.
        Id = new Guid(MD5.HashData(Encoding.UTF8.GetBytes(name)));
        Partitions = Enumerable.Range(0, partitions).Select(_ => new List<(long BaseOffset, long LastOffset, byte[] Batch)>()).ToArray();
        EndOffsets = new long[partitions];
    }

    public string Name { get; }

    public Guid Id { get; }

    public List<(long BaseOffset, long LastOffset, byte[] Batch)>[] Partitions { get; }

    public long[] EndOffsets { get; }

    /// <summary>Appends every batch in <paramref name="records"/>; returns the first batch's base offset.</summary>
    public long Append(int partition, byte[] records)
    {
        var first = EndOffsets[partition];
        var position = 0;
        while (position + 61 <= records.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(records.AsSpan(position + 8));
            var total = 12 + length;
            if (length < 49 || position + total > records.Length)
            {
                break;
            }
            var batch = records.AsSpan(position, total).ToArray();
            var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(batch.AsSpan(23));
            var baseOffset = EndOffsets[partition];
            BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);
            Partitions[partition].Add((baseOffset, baseOffset + lastOffsetDelta, batch));
            EndOffsets[partition] = baseOffset + lastOffsetDelta + 1;
            position += total;
        }
        return first;
    }

    /// <summary>Batches holding offsets at or after <paramref name="offset"/>, at least one, up to about <paramref name="maxBytes"/>.</summary>
    public byte[] Read(int partition, long offset, int maxBytes)
    {
        using var output = new MemoryStream();
        foreach (var (_, last, batch) in Partitions[partition])
        {
            if (last < offset)
            {
                continue;
            }
            if (output.Length > 0 && output.Length + batch.Length > maxBytes)
            {
                break;
            }
            output.Write(batch);
        }
        return output.ToArray();
    }
}
