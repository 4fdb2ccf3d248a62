using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>Splicing keeps large record sets by reference without changing what is written.</summary>
public sealed class ProtocolWriterSpliceTests
{
    [Fact]
    public void WithoutSplicing_RecordsAreCopiedLikeBytes()
    {
        using var records = new ProtocolWriter();
        using var bytes = new ProtocolWriter();
        var value = new byte[10_000];

        records.WriteRecords(value, compact: true);
        bytes.WriteBytes(value, compact: true);

        Assert.Empty(records.Splices);
        Assert.Equal(bytes.WrittenSpan.ToArray(), records.WrittenSpan.ToArray());
    }

    [Fact]
    public void Rewind_DropsSplicesAtOrAfterTheRewindPoint()
    {
        using var writer = new ProtocolWriter();
        writer.EnableSplicing(16);
        writer.WriteInt32(7);
        writer.WriteRecords(new byte[100], compact: false);
        writer.WriteInt16(1);
        var kept = writer.Length;
        writer.WriteRecords(new byte[200], compact: false);

        writer.Rewind(kept);

        Assert.Single(writer.Splices);
        Assert.Equal(kept + 100L, writer.TotalLength);
    }

    [Fact]
    public void ASpliceInsideATaggedField_IsRefused()
    {
        using var writer = new ProtocolWriter();
        writer.EnableSplicing(16);
        var start = writer.Length;
        writer.WriteRecords(new byte[100], compact: true);

        Assert.Throws<InvalidOperationException>(() => writer.InsertUnsignedVarInt(start, (uint)(writer.Length - start)));
    }
}
