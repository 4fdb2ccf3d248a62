using System.Text;
using Gregor.Protocol.Records;

namespace Gregor.Protocol.Tests;

public class Crc32CTests
{
    // Published vectors: RFC 3720 (iSCSI) appendix B.4 and the "123456789" check value.
    [Theory]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    public void Compute_MatchesPublishedCheckValues(string text, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Compute_ThirtyTwoZeroBytes_MatchesRfc3720()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void Software_AgreesWithHardware_OnRandomLengths()
    {
        var random = new Random(42);
        for (var length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Crc32C.Compute(data), ~Crc32C.AppendSoftware(0xFFFFFFFF, data));
        }
    }

    // The three-chain path takes 3 x 8192 and 3 x 256 byte blocks: every length around those
    // boundaries, at unaligned starts, must give the portable result.
    [Theory]
    [InlineData(767)]
    [InlineData(768)]
    [InlineData(769)]
    [InlineData(775)]
    [InlineData(1536)]
    [InlineData(24_575)]
    [InlineData(24_576)]
    [InlineData(24_577)]
    [InlineData(25_343)]
    [InlineData(25_344)]
    [InlineData(262_144)]
    [InlineData(1_000_003)]
    public void Hardware_AgreesWithSoftware_AroundTheInterleavedBlockSizes(int length)
    {
        var random = new Random(length);
        var buffer = new byte[length + 7];
        random.NextBytes(buffer);
        for (var offset = 0; offset < 8; offset += 3)
        {
            var data = buffer.AsSpan(offset, length);
            Assert.Equal(~Crc32C.AppendSoftware(0xFFFFFFFF, data), Crc32C.Compute(data));
        }
    }

    [Fact]
    public void Append_InPieces_EqualsComputeOfTheWhole()
    {
        var random = new Random(7);
        var data = new byte[100_000];
        random.NextBytes(data);
        for (var round = 0; round < 20; round++)
        {
            var split = random.Next(data.Length);
            var crc = Crc32C.Append(Crc32C.Append(0xFFFFFFFF, data.AsSpan(0, split)), data.AsSpan(split));
            Assert.Equal(Crc32C.Compute(data), ~crc);
        }
    }
}
