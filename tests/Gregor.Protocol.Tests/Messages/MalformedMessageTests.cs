using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>
/// Hostile and damaged bodies: every failure must be a <see cref="ProtocolException"/> (never
/// another exception type, never a hang) and reading may allocate at most a small multiple of
/// the frame's size, whatever the lengths and counts inside claim.
/// </summary>
public sealed class MalformedMessageTests
{
    /// <summary>
    /// Reading allocates the message objects (a few dozen bytes per element, each element at
    /// least one wire byte) plus the exception: 64 bytes per frame byte and 64 KiB covers that,
    /// while any allocation sized by a hostile length or count would blow through it.
    /// </summary>
    private static long AllocationBudget(int frameLength) => 64L * frameLength + 64 * 1024;

    public static TheoryData<string, short> Samples() => new()
    {
        { nameof(ProduceRequest), 0 },
        { nameof(ProduceRequest), 3 },
        { nameof(ProduceRequest), 9 },
        { nameof(ProduceRequest), 13 },
        { nameof(FetchRequest), 3 },
        { nameof(FetchRequest), 12 },
        { nameof(FetchRequest), 17 },
        { nameof(FetchResponse), 4 },
        { nameof(FetchResponse), 16 },
        { nameof(MetadataRequest), 0 },
        { nameof(MetadataRequest), 12 },
        { nameof(MetadataResponse), 1 },
        { nameof(MetadataResponse), 12 },
        { nameof(ApiVersionsRequest), 3 },
        { nameof(ApiVersionsResponse), 3 },
        { nameof(JoinGroupRequest), 0 },
        { nameof(JoinGroupRequest), 9 },
        { nameof(OffsetCommitRequest), 1 },
        { nameof(OffsetCommitRequest), 9 },
        { nameof(OffsetFetchResponse), 8 },
        { nameof(CreateTopicsRequest), 5 },
        { nameof(DescribeTopicPartitionsRequest), 0 },
        { nameof(ConsumerGroupHeartbeatResponse), 1 },
    };

    private static byte[] ValidBody(Type type, short version, int seed)
    {
        var message = (IApiMessage)Activator.CreateInstance(type)!;
        new RandomMessageFiller(seed).Fill(message, version);
        using var writer = new ProtocolWriter();
        message.Write(writer, version);
        return writer.WrittenMemory.ToArray();
    }

    /// <summary>Reads the body and reports what happened; fails the test on a foreign exception or an oversized allocation.</summary>
    private static bool ReadFails(Type type, short version, byte[] body, string context)
    {
        var message = (IApiMessage)Activator.CreateInstance(type)!;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var failed = false;
        try
        {
            var reader = new ProtocolReader(body);
            message.Read(ref reader, version);
        }
        catch (ProtocolException)
        {
            failed = true;
        }
        catch (Exception e)
        {
            Assert.Fail($"{context}: {e.GetType().Name} instead of ProtocolException: {e}");
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= AllocationBudget(body.Length),
            $"{context}: allocated {allocated} bytes reading a {body.Length}-byte body");
        return failed;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Read_TruncatedAtEveryOffset_ThrowsProtocolException(string messageName, short version)
    {
        var type = GeneratedMessages.ByName(messageName);
        for (var sample = 0; sample < 3; sample++)
        {
            var seed = GeneratedMessages.StableSeed(messageName, version * 10 + sample);
            var body = ValidBody(type, version, seed);
            for (var length = 0; length < body.Length; length++)
            {
                Assert.True(ReadFails(type, version, body[..length], $"{messageName} v{version} seed {seed} cut at {length}"),
                    $"{messageName} v{version} seed {seed}: a body cut to {length} of {body.Length} bytes was accepted");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Read_RandomlyCorruptedBytes_ThrowsOnlyProtocolException(string messageName, short version)
    {
        var type = GeneratedMessages.ByName(messageName);
        for (var sample = 0; sample < 200; sample++)
        {
            var seed = GeneratedMessages.StableSeed(messageName, version * 1000 + sample);
            var random = new Random(seed);
            var body = ValidBody(type, version, seed);
            if (body.Length == 0)
            {
                continue;
            }
            for (var flips = 1 + random.Next(4); flips > 0; flips--)
            {
                body[random.Next(body.Length)] = random.Next(3) switch
                {
                    0 => 0xFF,
                    1 => 0x7F,
                    _ => (byte)random.Next(256),
                };
            }
            ReadFails(type, version, body, $"{messageName} v{version} seed {seed} corrupted");
        }
    }

    [Fact]
    public void Read_EveryMessageFromRandomGarbage_ThrowsOnlyProtocolException()
    {
        var random = new Random(7);
        foreach (var type in GeneratedMessages.All)
        {
            var (lowest, highest) = GeneratedMessages.ReadableVersions(type);
            for (var version = lowest; version <= highest; version++)
            {
                var garbage = new byte[random.Next(64)];
                random.NextBytes(garbage);
                ReadFails(type, version, garbage, $"{type.Name} v{version} garbage");
            }
        }
    }

    [Fact]
    public void Read_ArrayCountLargerThanRemainingBytes_ThrowsBeforeAllocating()
    {
        // MetadataRequest v1: topics = int32 count 2^31-1, followed by 4 bytes.
        byte[] body = [0x7F, 0xFF, 0xFF, 0xFF, 0, 1, (byte)'a', 0];
        Assert.True(ReadFails(typeof(MetadataRequest), 1, body, "huge count"));
        // Flexible v12: compact count 2^31-2 (varint FE FF FF FF 07), then a few bytes.
        byte[] compact = [0xFE, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0];
        Assert.True(ReadFails(typeof(MetadataRequest), 12, compact, "huge compact count"));
    }

    [Fact]
    public void Read_NegativeLengths_ThrowProtocolException()
    {
        // MetadataRequest v0: topics may not be null (-1) in v0, and -2 is never valid.
        Assert.True(ReadFails(typeof(MetadataRequest), 0, [0xFF, 0xFF, 0xFF, 0xFF], "null array in v0"));
        Assert.True(ReadFails(typeof(MetadataRequest), 1, [0xFF, 0xFF, 0xFF, 0xFE], "count -2"));
        // One topic whose name length is -2, then one whose length claims 30000 bytes.
        Assert.True(ReadFails(typeof(MetadataRequest), 1, [0, 0, 0, 1, 0xFF, 0xFE], "string length -2"));
        Assert.True(ReadFails(typeof(MetadataRequest), 1, [0, 0, 0, 1, 0x75, 0x30, (byte)'a'], "string length 30000"));
        // ProduceRequest v3: one partition whose records claim 2^31-1 bytes.
        byte[] produce = [0xFF, 0xFF, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, (byte)'t', 0, 0, 0, 1, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF];
        Assert.True(ReadFails(typeof(ProduceRequest), 3, produce, "records length"));
    }

    [Fact]
    public void Read_InvalidVarints_ThrowProtocolException()
    {
        // ApiVersionsRequest v3 starts with a compact string: its length varint is broken.
        Assert.True(ReadFails(typeof(ApiVersionsRequest), 3, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], "six-byte varint"));
        Assert.True(ReadFails(typeof(ApiVersionsRequest), 3, [0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "varint over 32 bits"));
        Assert.True(ReadFails(typeof(ApiVersionsRequest), 3, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "compact length over int"));
        Assert.True(ReadFails(typeof(ApiVersionsRequest), 3, [0x80], "varint cut short"));
        // Valid strings, then a tagged field whose size exceeds the frame.
        Assert.True(ReadFails(typeof(ApiVersionsRequest), 3, [0x02, (byte)'a', 0x02, (byte)'1', 0x01, 0x05, 0x7F], "tagged size"));
    }

    [Fact]
    public void Read_InvalidUtf8String_ThrowsProtocolException()
    {
        Assert.True(ReadFails(typeof(MetadataRequest), 1, [0, 0, 0, 1, 0, 2, 0xC3, 0x28], "invalid UTF-8"));
    }
}
