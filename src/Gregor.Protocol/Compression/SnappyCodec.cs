using System.Buffers;
using System.Buffers.Binary;
using IronSnappy;

namespace Gregor.Protocol.Compression;

/// <summary>
/// Snappy as Kafka uses it. Kafka's Java client writes the xerial "snappy-java" framing and
/// librdkafka reads and writes it too; some clients write one raw snappy block. Writing uses
/// xerial framing; reading accepts both, as Kafka and librdkafka do:
/// <code>
/// xerial: 82 53 4E 41 50 50 59 00 | int32 version (1) | int32 compatible (1) | (int32 length | raw block)*
/// raw:    uvarint uncompressedLength | snappy elements
/// </code>
/// Every block's declared uncompressed length is checked against the cap, then the block is
/// decoded straight into the caller's buffer (<see cref="SnappyBlockDecoder"/>); IronSnappy only
/// compresses. Stateless.
/// </summary>
internal static class SnappyCodec
{
    private const int XerialHeaderSize = 16;
    private const int XerialBlockSize = 32 * 1024; // snappy-java's default block size
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    public static void Compress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var header = destination.GetSpan(XerialHeaderSize);
        XerialMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 1);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 1);
        destination.Advance(XerialHeaderSize);
        while (!source.IsEmpty)
        {
            var chunk = source[..Math.Min(XerialBlockSize, source.Length)];
            var block = Snappy.Encode(chunk);
            var span = destination.GetSpan(4 + block.Length);
            BinaryPrimitives.WriteInt32BigEndian(span, block.Length);
            block.CopyTo(span[4..]);
            destination.Advance(4 + block.Length);
            source = source[chunk.Length..];
        }
    }

    /// <summary>Writes one raw snappy block (no framing), the form some non-Java clients send.</summary>
    public static void CompressRaw(ReadOnlySpan<byte> source, IBufferWriter<byte> destination)
    {
        var block = Snappy.Encode(source);
        block.CopyTo(destination.GetSpan(block.Length));
        destination.Advance(block.Length);
    }

    public static bool IsXerial(ReadOnlySpan<byte> source) =>
        source.Length >= XerialHeaderSize && source[..XerialMagic.Length].SequenceEqual(XerialMagic);

    public static int Decompress(ReadOnlySpan<byte> source, IBufferWriter<byte> destination, int maxBytes)
    {
        var output = new BoundedOutput(destination, maxBytes, "snappy");
        if (!IsXerial(source))
        {
            DecodeBlock(source, ref output);
            return output.Written;
        }
        var rest = source[XerialHeaderSize..];
        while (!rest.IsEmpty)
        {
            if (rest.Length < 4)
            {
                throw new ProtocolException("xerial snappy block length is truncated");
            }
            var length = BinaryPrimitives.ReadInt32BigEndian(rest);
            if (length < 0 || length > rest.Length - 4)
            {
                throw new ProtocolException($"xerial snappy block length {length} exceeds the {rest.Length - 4} bytes left");
            }
            DecodeBlock(rest.Slice(4, length), ref output);
            rest = rest[(4 + length)..];
        }
        return output.Written;
    }

    private static void DecodeBlock(ReadOnlySpan<byte> block, ref BoundedOutput output)
    {
        var (length, prefix) = SnappyBlockDecoder.ReadDeclaredLength(block);
        output.CheckCapacity(length);
        var span = output.Reserve((int)length);
        SnappyBlockDecoder.Decode(block[prefix..], span);
        output.Advance((int)length);
    }
}
