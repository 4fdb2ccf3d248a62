using System.Buffers.Binary;
using Gregor.Protocol.Records;

namespace Gregor.Protocol.Tests.Records;

public class MalformedRecordBatchTests
{
    private static byte[] ValidBatch(CompressionType codec = CompressionType.None, int records = 5)
    {
        using var builder = new RecordBatchBuilder { Compression = codec, BaseOffset = 10 };
        for (var i = 0; i < records; i++)
        {
            builder.Append(1000 + i, i == 0 ? null : new byte[] { (byte)i }, new byte[i * 3], [RecordHeader.Create("h", i == 1 ? null : [1])]);
        }
        return builder.ToArray();
    }

    /// <summary>Recomputes the CRC so a structural corruption gets past the checksum.</summary>
    private static byte[] Reseal(byte[] batch)
    {
        RecordBatchHeader.WriteCrc(batch);
        return batch;
    }

    private static Exception? Parse(byte[] bytes, bool verifyCrc = true)
    {
        try
        {
            RecordBatch.Read(bytes, verifyCrc).ValidateRecords(1 << 20);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [Fact]
    public void FlippingAnyByteCoveredByTheCrc_ThrowsCorruptRecordException()
    {
        var valid = ValidBatch();
        for (var i = RecordBatchHeader.CrcOffset; i < valid.Length; i++)
        {
            var bytes = (byte[])valid.Clone();
            bytes[i] ^= 0x5A;
            Assert.IsType<CorruptRecordException>(Parse(bytes));
        }
    }

    [Fact]
    public void FlippingHeaderBytesOutsideTheCrc_IsDetectedOrHarmless()
    {
        var valid = ValidBatch();
        for (var i = 0; i < RecordBatchHeader.CrcOffset; i++)
        {
            var bytes = (byte[])valid.Clone();
            bytes[i] ^= 0x5A;
            var error = Parse(bytes);
            var isBaseOffsetOrEpoch = i < RecordBatchHeader.LengthOffset || (i >= RecordBatchHeader.PartitionLeaderEpochOffset && i < RecordBatchHeader.MagicOffset);
            if (isBaseOffsetOrEpoch)
            {
                Assert.Null(error); // not covered by the CRC by design: the broker rewrites them
            }
            else
            {
                Assert.IsAssignableFrom<ProtocolException>(error);
            }
        }
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Zstd)]
    public void TruncatedAtEveryOffset_ThrowsProtocolException(CompressionType codec)
    {
        var valid = ValidBatch(codec);
        for (var cut = 0; cut < valid.Length; cut++)
        {
            Assert.IsAssignableFrom<ProtocolException>(Parse(valid[..cut]));
            Assert.IsAssignableFrom<ProtocolException>(Parse(valid[..cut], verifyCrc: false));
        }
    }

    [Fact]
    public void RecordsSectionTruncatedWithCorrectedLengthAndCrc_ThrowsProtocolException()
    {
        var valid = ValidBatch();
        for (var cut = RecordBatchHeader.Size; cut < valid.Length; cut++)
        {
            var bytes = valid[..cut];
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchHeader.LengthOffset), cut - RecordBatchHeader.LogOverhead);
            Assert.IsAssignableFrom<ProtocolException>(Parse(Reseal(bytes)));
        }
    }

    [Theory]
    [InlineData(6)] // more records declared than present
    [InlineData(4)] // fewer declared: bytes left over
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void RecordCountMismatch_ThrowsProtocolException(int declared)
    {
        var bytes = ValidBatch();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchHeader.RecordCountOffset), declared);
        Assert.IsAssignableFrom<ProtocolException>(Parse(Reseal(bytes)));
    }

    [Fact]
    public void RecordCountLargerThanCompressedBatchCouldHold_IsRejectedBeforeDecompressing()
    {
        var bytes = ValidBatch(CompressionType.Gzip);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchHeader.RecordCountOffset), int.MaxValue);
        var batch = RecordBatch.Read(Reseal(bytes));
        Assert.Throws<ProtocolException>(() => batch.OpenRecords(1 << 20).Dispose());
    }

    [Fact]
    public void InvalidVarintAsRecordLength_ThrowsProtocolException()
    {
        var bytes = ValidBatch();
        bytes.AsSpan(RecordBatchHeader.Size, 6).Fill(0xFF); // a varint that never ends within 5 bytes
        Assert.IsType<ProtocolException>(Parse(Reseal(bytes)));
    }

    [Theory]
    [InlineData(-2)] // key length below -1
    [InlineData(-64)]
    [InlineData(50)] // key longer than the record
    public void InvalidKeyLength_ThrowsProtocolException(int keyLength)
    {
        var bytes = ValidBatch();
        // First record: length varint (1 byte), attributes, timestampDelta 0, offsetDelta 0, then keyLength.
        var at = RecordBatchHeader.Size + 4;
        Assert.Equal(1, bytes[at]); // zigzag(-1): the first record's key is null
        bytes[at] = (byte)((keyLength << 1) ^ (keyLength >> 31)); // one-byte zigzag, so the record length stays right
        Assert.IsType<ProtocolException>(Parse(Reseal(bytes)));
    }

    [Fact]
    public void NegativeRecordLength_ThrowsProtocolException()
    {
        var bytes = ValidBatch();
        bytes[RecordBatchHeader.Size] = 3; // zigzag(-2)
        Assert.IsType<ProtocolException>(Parse(Reseal(bytes)));
    }

    [Fact]
    public void RecordLengthNotMatchingItsFields_ThrowsProtocolException()
    {
        var bytes = ValidBatch();
        bytes[RecordBatchHeader.Size] += 2; // +1 in zigzag: the record claims one byte more than its fields
        Assert.IsType<ProtocolException>(Parse(Reseal(bytes)));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(100)]
    [InlineData(int.MinValue)]
    public void BatchLengthBelowHeaderOrPastBuffer_ThrowsProtocolException(int length)
    {
        var bytes = ValidBatch();
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(RecordBatchHeader.LengthOffset), length);
        Assert.IsAssignableFrom<ProtocolException>(Parse(bytes)); // a shorter length fails the CRC instead
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void OldMagic_ThrowsProtocolException(byte magic)
    {
        var bytes = ValidBatch();
        bytes[RecordBatchHeader.MagicOffset] = magic;
        Assert.IsType<ProtocolException>(Parse(bytes));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    public void UnknownCompressionCodec_ThrowsProtocolException(short codec)
    {
        var bytes = ValidBatch();
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(RecordBatchHeader.AttributesOffset), codec);
        Assert.IsType<ProtocolException>(Parse(Reseal(bytes)));
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void RandomCorruptionBehindAValidCrc_OnlyEverThrowsProtocolException_WithBoundedAllocation(CompressionType codec)
    {
        var valid = ValidBatch(codec, records: 40);
        var random = new Random(1234 + (int)codec);
        Parse(valid); // warm up
        for (var round = 0; round < 1500; round++)
        {
            var bytes = (byte[])valid.Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++)
            {
                bytes[random.Next(RecordBatchHeader.Size, bytes.Length)] = (byte)random.Next(256);
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            var error = Parse(Reseal(bytes));
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (error is not null)
            {
                Assert.IsAssignableFrom<ProtocolException>(error);
            }
            // The parse may decompress at most 1 MiB (the cap given); uncompressed parsing allocates
            // only the exception. Either way nothing near what a hostile length could ask for.
            var bound = codec == CompressionType.None ? 64 * 1024 : (3 << 20);
            Assert.True(allocated < bound, $"round {round}: allocated {allocated} bytes");
        }
    }
}
