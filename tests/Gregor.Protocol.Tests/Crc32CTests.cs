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
}
