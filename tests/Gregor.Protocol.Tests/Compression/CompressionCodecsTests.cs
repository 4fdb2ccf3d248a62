using System.Buffers;
using System.Buffers.Binary;
using Gregor.Protocol.Compression;
using Gregor.Protocol.Records;

namespace Gregor.Protocol.Tests.Compression;

public class CompressionCodecsTests
{
    public static TheoryData<CompressionType, int> CodecsAndSizes()
    {
        var data = new TheoryData<CompressionType, int>();
        foreach (var codec in Enum.GetValues<CompressionType>())
        {
            foreach (var size in new[] { 0, 1, 1000, 70_000, 300_000 })
            {
                data.Add(codec, size);
            }
        }
        return data;
    }

    public static TheoryData<CompressionType> CompressingCodecs() =>
        new(Enum.GetValues<CompressionType>().Where(c => c != CompressionType.None));

    private static byte[] Payload(int size, int seed)
    {
        var random = new Random(seed);
        var data = new byte[size];
        for (var i = 0; i < size; i += 64)
        {
            // Runs of random bytes and of repeats: realistic, neither incompressible nor trivial.
            var run = data.AsSpan(i, Math.Min(64, size - i));
            if (random.Next(2) == 0)
            {
                random.NextBytes(run);
            }
            else
            {
                run.Fill((byte)random.Next(4));
            }
        }
        return data;
    }

    private static byte[] Compress(CompressionType codec, ReadOnlySpan<byte> data)
    {
        var writer = new ArrayBufferWriter<byte>();
        CompressionCodecs.Compress(codec, data, writer);
        return writer.WrittenSpan.ToArray();
    }

    [Theory]
    [MemberData(nameof(CodecsAndSizes))]
    public void Compress_ThenDecompress_ReturnsTheInput(CompressionType codec, int size)
    {
        var data = Payload(size, size + (int)codec);
        var compressed = Compress(codec, data);
        var output = new ArrayBufferWriter<byte>();
        var length = CompressionCodecs.Decompress(codec, compressed, output);
        Assert.Equal(size, length);
        Assert.Equal(data, output.WrittenSpan.ToArray());
        if (codec != CompressionType.None && size >= 70_000)
        {
            Assert.True(compressed.Length < size * 0.9, $"{codec} did not compress ({compressed.Length} of {size})");
        }
    }

    [Fact]
    public void Decompress_AppendsAfterWhatTheWriterAlreadyHolds()
    {
        var output = new ArrayBufferWriter<byte>();
        output.Write<byte>([9, 9]);
        CompressionCodecs.Decompress(CompressionType.Gzip, Compress(CompressionType.Gzip, [1, 2, 3]), output);
        Assert.Equal([9, 9, 1, 2, 3], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Snappy_WritesXerialFraming_AndReadsRawBlocksToo()
    {
        var data = Payload(100_000, 5);
        var framed = Compress(CompressionType.Snappy, data);
        Assert.Equal([0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1], framed[..16]);
        // 100,000 bytes in 32 KiB xerial blocks: four length-prefixed blocks.
        var blocks = 0;
        for (var at = 16; at < framed.Length; at += 4 + BinaryPrimitives.ReadInt32BigEndian(framed.AsSpan(at)))
        {
            blocks++;
        }
        Assert.Equal(4, blocks);

        var raw = new ArrayBufferWriter<byte>();
        CompressionCodecs.CompressSnappyRaw(data, raw);
        Assert.NotEqual(0x82, raw.WrittenSpan[0]);
        var output = new ArrayBufferWriter<byte>();
        CompressionCodecs.Decompress(CompressionType.Snappy, raw.WrittenSpan, output);
        Assert.Equal(data, output.WrittenSpan.ToArray());
    }

    [Fact]
    public void SnappyDecoder_AgreesWithIronSnappyOnVariedInputs()
    {
        var random = new Random(2024);
        for (var round = 0; round < 200; round++)
        {
            var data = new byte[random.Next(0, 20_000)];
            for (var i = 0; i < data.Length;)
            {
                var run = Math.Min(data.Length - i, random.Next(1, 300));
                switch (random.Next(3))
                {
                    case 0:
                        random.NextBytes(data.AsSpan(i, run));
                        break;
                    case 1:
                        data.AsSpan(i, run).Fill((byte)random.Next(256)); // overlapping copies
                        break;
                    default:
                        var back = random.Next(1, Math.Max(2, i));
                        for (var k = 0; k < run; k++)
                        {
                            data[i + k] = i + k - back >= 0 ? data[i + k - back] : (byte)k; // far copies
                        }
                        break;
                }
                i += run;
            }
            var raw = new ArrayBufferWriter<byte>();
            CompressionCodecs.CompressSnappyRaw(data, raw);
            var output = new ArrayBufferWriter<byte>();
            CompressionCodecs.Decompress(CompressionType.Snappy, raw.WrittenSpan, output);
            Assert.Equal(IronSnappy.Snappy.Decode(raw.WrittenSpan), output.WrittenSpan.ToArray());
            Assert.Equal(data, output.WrittenSpan.ToArray());
        }
    }

    [Fact]
    public void Lz4_WritesAStandardFrameWithIndependent64KiBBlocksLikeTheJavaClient()
    {
        var frame = Compress(CompressionType.Lz4, Payload(10_000, 3));
        Assert.Equal([0x04, 0x22, 0x4D, 0x18], frame[..4]); // LZ4 frame magic
        Assert.Equal(0x60, frame[4]); // FLG: version 01, block independence, no checksums, no content size
        Assert.Equal(0x40, frame[5]); // BD: 64 KiB maximum block size
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decompress_PastTheLimit_ThrowsWithoutAllocatingTheBomb(CompressionType codec)
    {
        const int limit = 1 << 20;
        var bomb = Compress(codec, new byte[16 << 20]); // 16 MiB of zeros: a few KiB compressed
        Assert.True(bomb.Length < 1 << 20);
        Assert.Throws<ProtocolException>(() => CompressionCodecs.Decompress(codec, bomb, new DiscardingWriter(), limit)); // warm up
        var sink = new DiscardingWriter();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<ProtocolException>(() => CompressionCodecs.Decompress(codec, bomb, sink, limit));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("limit", error.Message);
        Assert.True(sink.Total <= limit, $"{sink.Total} bytes handed out past the {limit} limit");
        Assert.True(allocated < 2 * limit, $"{codec} allocated {allocated} bytes refusing a 16 MiB bomb");
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decompress_ExactlyAtTheLimit_Succeeds(CompressionType codec)
    {
        var data = Payload(50_000, 8);
        var output = new ArrayBufferWriter<byte>();
        Assert.Equal(data.Length, CompressionCodecs.Decompress(codec, Compress(codec, data), output, data.Length));
        Assert.Throws<ProtocolException>(() => CompressionCodecs.Decompress(codec, Compress(codec, data), new ArrayBufferWriter<byte>(), data.Length - 1));
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decompress_TruncatedOrCorruptInput_ThrowsProtocolException(CompressionType codec)
    {
        var compressed = Compress(codec, Payload(20_000, 11));
        foreach (var cut in new[] { 0, 1, 4, 10, compressed.Length / 2, compressed.Length - 1 })
        {
            Assert.ThrowsAny<ProtocolException>(() =>
                CompressionCodecs.Decompress(codec, compressed.AsSpan(0, cut), new ArrayBufferWriter<byte>()));
        }
        var random = new Random(99);
        var garbage = new byte[5000];
        random.NextBytes(garbage);
        Assert.ThrowsAny<ProtocolException>(() => CompressionCodecs.Decompress(codec, garbage, new ArrayBufferWriter<byte>()));
    }

    [Theory]
    [MemberData(nameof(CompressingCodecs))]
    public void Decompress_RandomlyDamagedInput_OnlyEverThrowsProtocolException(CompressionType codec)
    {
        var compressed = Compress(codec, Payload(20_000, 12));
        var random = new Random(7 + (int)codec);
        for (var round = 0; round < 300; round++)
        {
            var damaged = (byte[])compressed.Clone();
            damaged[random.Next(damaged.Length)] ^= (byte)random.Next(1, 256);
            try
            {
                CompressionCodecs.Decompress(codec, damaged, new DiscardingWriter(), 1 << 20);
            }
            catch (ProtocolException)
            {
                // expected for most damage; some flips (e.g. in literals without checksum) decode to other bytes
            }
        }
    }

    [Fact]
    public void GzipTrailerCrc_MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32Ieee.Compute("123456789"u8));
        Assert.Equal(0u, Crc32Ieee.Compute([]));
    }

    [Fact]
    public void Gzip_TrailerMismatch_ThrowsProtocolException()
    {
        var compressed = Compress(CompressionType.Gzip, Payload(5000, 4));
        compressed[^1] ^= 1; // ISIZE off by 2^24
        Assert.Throws<ProtocolException>(() => CompressionCodecs.Decompress(CompressionType.Gzip, compressed, new ArrayBufferWriter<byte>()));
        compressed[^1] ^= 1;
        compressed[^8] ^= 1; // CRC-32
        Assert.Throws<ProtocolException>(() => CompressionCodecs.Decompress(CompressionType.Gzip, compressed, new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void Decompress_UnknownCodec_ThrowsProtocolException()
    {
        Assert.Throws<ProtocolException>(() => CompressionCodecs.Decompress((CompressionType)6, [1, 2, 3], new ArrayBufferWriter<byte>()));
    }

    [Fact]
    public void MissingLibraryException_NamesTheLibraryAndTheDebianPackage()
    {
        var error = new CompressionLibraryMissingException("liblz4.so.1", "liblz4-1", new DllNotFoundException("not found"));
        Assert.IsAssignableFrom<ProtocolException>(error);
        Assert.Contains("liblz4.so.1", error.Message);
        Assert.Contains("apt-get install liblz4-1", error.Message);
        Assert.Equal("liblz4-1", error.DebianPackage);
    }

    /// <summary>Hands out one reused 64 KiB buffer and counts what was written, so only the codec's own allocation is measured.</summary>
    private sealed class DiscardingWriter : IBufferWriter<byte>
    {
        private readonly byte[] _buffer = new byte[BoundedChunk];
        private const int BoundedChunk = 64 * 1024;

        public long Total { get; private set; }

        public void Advance(int count) => Total += count;

        public Memory<byte> GetMemory(int sizeHint = 0) =>
            sizeHint > BoundedChunk ? new byte[sizeHint] : _buffer;

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
