using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>
/// Requests captured from Debian's real clients (frames without the 4-byte length prefix),
/// decoded with the generated messages. Captured on 2026-11-24 with a 60-line Python socket
/// server on 127.0.0.1 that logged each frame as hex and answered ApiVersions only:
/// `kcat -L -b 127.0.0.1:PORT` (kcat with librdkafka 2.0.2) and kafka-python 2.0.2's
/// `KafkaConsumer(bootstrap_servers=...).topics()` (its version probe, /usr/bin/python3).
/// The Produce captures are in Captures/ (see the README there for how they were made).
/// </summary>
public sealed class RealClientRequestTests
{
    private static (RequestHeader Header, short HeaderVersion, IRequestMessage Body) Decode(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        var reader = new ProtocolReader(bytes);
        var header = RequestHeader.Read(ref reader, out var headerVersion);
        var body = MessageFraming.ReadRequestBody(ref reader, header);
        Assert.True(reader.End, $"{reader.Remaining} bytes left after {header.ApiKey} v{header.ApiVersion}");

        using var writer = new ProtocolWriter();
        header.Write(writer, headerVersion);
        body.Write(writer, header.ApiVersion);
        Assert.Equal(hex, Convert.ToHexString(writer.WrittenSpan), ignoreCase: true);
        return (header, headerVersion, body);
    }

    [Fact]
    public void Kcat_ApiVersionsV3_DecodesClientSoftware()
    {
        var (header, headerVersion, body) = Decode(
            "0012000300000001000772646b61666b61000b6c696272646b61666b6106322e302e3200");
        Assert.Equal(2, headerVersion);
        Assert.Equal("rdkafka", header.ClientId);
        var request = Assert.IsType<ApiVersionsRequest>(body);
        Assert.Equal("librdkafka", request.ClientSoftwareName);
        Assert.Equal("2.0.2", request.ClientSoftwareVersion);
    }

    [Fact]
    public void Kcat_MetadataV4_AsksForAllTopicsWithoutAutoCreation()
    {
        var (header, headerVersion, body) = Decode("0003000400000002000772646b61666b610000000000");
        Assert.Equal(1, headerVersion);
        Assert.Equal(2, header.CorrelationId);
        var request = Assert.IsType<MetadataRequest>(body);
        Assert.Empty(request.Topics!);
        Assert.False(request.AllowAutoTopicCreation);
    }

    [Fact]
    public void KafkaPython_ApiVersionsV0_HasAnEmptyBody()
    {
        var (header, _, body) = Decode("001200000000000100126b61666b612d707974686f6e2d322e302e32");
        Assert.Equal("kafka-python-2.0.2", header.ClientId);
        Assert.IsType<ApiVersionsRequest>(body);
    }

    [Fact]
    public void KafkaPython_MetadataV0_UsesALegacyVersionWithEmptyTopicList()
    {
        var (_, _, body) = Decode("000300000000000100126b61666b612d707974686f6e2d322e302e3200000000");
        Assert.Empty(Assert.IsType<MetadataRequest>(body).Topics!);
    }

    [Fact]
    public void KafkaPython_FindCoordinatorV0_CarriesTheGroupAsKey()
    {
        var (_, _, body) = Decode(
            "000a00000000000100126b61666b612d707974686f6e2d322e302e32001a6b61666b612d707974686f6e2d64656661756c742d67726f7570");
        Assert.Equal("kafka-python-default-group", Assert.IsType<FindCoordinatorRequest>(body).KeyField);
    }

    [Fact]
    public void KafkaPython_OffsetFetchV0_NamesGroupWithNoTopics()
    {
        var (_, _, body) = Decode(
            "000900000000000100126b61666b612d707974686f6e2d322e302e32001a6b61666b612d707974686f6e2d64656661756c742d67726f757000000000");
        var request = Assert.IsType<OffsetFetchRequest>(body);
        Assert.Equal("kafka-python-default-group", request.GroupId);
        Assert.Empty(request.Topics!);
    }

    [Theory]
    [InlineData("none", 0)]
    [InlineData("gzip", 1)]
    [InlineData("snappy", 2)]
    [InlineData("lz4", 3)]
    [InlineData("zstd", 4)]
    public void Kcat_ProduceV7_KeepsTheRecordBatchAsASliceOfTheFrame(string codec, int compressionId)
    {
        var hex = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Captures", $"kcat-produce-v7-{codec}.hex")).Trim();
        var (header, _, body) = Decode(hex);
        Assert.Equal(7, header.ApiVersion);
        var request = Assert.IsType<ProduceRequest>(body);
        Assert.Null(request.TransactionalId);
        Assert.Equal(-1, request.Acks);
        var topic = Assert.Single(request.TopicData);
        Assert.Equal("golden", topic.Name);
        var partition = Assert.Single(topic.PartitionData);
        Assert.Equal(0, partition.Index);

        var records = partition.Records!.Value;
        Assert.True(MemoryMarshal.TryGetArray(records, out var segment));
        Assert.True(segment.Offset > 0, "records should point into the frame, not a copy");
        var batch = records.Span;
        Assert.Equal(2, batch[16]); // magic
        Assert.Equal(compressionId, BinaryPrimitives.ReadInt16BigEndian(batch[21..]) & 7);
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(batch[57..])); // record count
        Assert.Equal(batch.Length - 12, BinaryPrimitives.ReadInt32BigEndian(batch[8..])); // batch length
    }

    [Fact]
    public void ReadingProduce_AllocatesTheSameWhateverTheRecordsSize()
    {
        // The uncompressed capture's records are 3.5x the gzip one's; the records are sliced,
        // never copied, so reading both allocates exactly the same objects.
        static long AllocatedReading(string codec)
        {
            var bytes = Convert.FromHexString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Captures", $"kcat-produce-v7-{codec}.hex")).Trim());
            long allocated = 0;
            for (var round = 0; round < 2; round++) // the first round warms up
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var reader = new ProtocolReader(bytes);
                var header = RequestHeader.Read(ref reader, out _);
                MessageFraming.ReadRequestBody(ref reader, header);
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            return allocated;
        }
        var plain = AllocatedReading("none");
        Assert.Equal(plain, AllocatedReading("gzip"));
        Assert.True(plain < 1024, $"reading a produce request allocated {plain} bytes");
    }

    [Fact]
    public void KafkaPython_ListGroupsV0_HasAnEmptyBody()
    {
        var (_, _, body) = Decode("001000000000000100126b61666b612d707974686f6e2d322e302e32");
        Assert.IsType<ListGroupsRequest>(body);
    }
}
