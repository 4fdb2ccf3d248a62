using System.Text;
using System.Text.Json;
using Gregor.Protocol.Records;

namespace Gregor.Protocol.Tests.Records;

/// <summary>
/// Batches written by real client code (see Fixtures/README.md): each must decode to exactly the
/// records listed in Fixtures/fixtures.json, the input its producer was given.
/// </summary>
public class ClientFixtureTests
{
    private static readonly string FixtureDirectory = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static TheoryData<string> BatchNames()
    {
        var data = new TheoryData<string>();
        using var manifest = LoadManifest();
        foreach (var batch in manifest.RootElement.GetProperty("batches").EnumerateObject())
        {
            data.Add(batch.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BatchNames))]
    public void ClientBatch_DecodesToTheRecordsItsProducerWrote(string name)
    {
        using var manifest = LoadManifest();
        var expected = manifest.RootElement.GetProperty("records").EnumerateArray().ToArray();
        var info = manifest.RootElement.GetProperty("batches").GetProperty(name);
        var bytes = File.ReadAllBytes(Path.Combine(FixtureDirectory, info.GetProperty("file").GetString()!));

        var batch = RecordBatch.Read(bytes);
        Assert.Equal(info.GetProperty("codec").GetInt32(), (int)batch.Header.Compression);
        Assert.Equal(info.GetProperty("producerId").GetInt64(), batch.Header.ProducerId);
        Assert.Equal(info.GetProperty("producerEpoch").GetInt16(), batch.Header.ProducerEpoch);
        Assert.Equal(info.GetProperty("baseSequence").GetInt32(), batch.Header.BaseSequence);
        Assert.Equal(info.GetProperty("transactional").GetBoolean(), batch.Header.IsTransactional);
        Assert.Equal(expected.Length, batch.Header.RecordCount);
        Assert.Equal(expected.Length - 1, batch.Header.LastOffsetDelta);
        Assert.Equal(expected.Max(r => r.GetProperty("timestamp").GetInt64()), batch.Header.MaxTimestamp);

        using var records = batch.OpenRecords();
        var index = 0;
        foreach (var record in records)
        {
            var want = expected[index];
            Assert.Equal(index, record.OffsetDelta);
            Assert.Equal(want.GetProperty("timestamp").GetInt64(), record.Timestamp);
            AssertBytes(want.GetProperty("key"), record.IsKeyNull, record.Key);
            AssertBytes(want.GetProperty("value"), record.IsValueNull, record.Value);
            var wantHeaders = want.GetProperty("headers").EnumerateArray().ToArray();
            Assert.Equal(wantHeaders.Length, record.Headers.Count);
            var h = 0;
            foreach (var header in record.Headers)
            {
                Assert.Equal(wantHeaders[h].GetProperty("key").GetString(), Encoding.UTF8.GetString(header.Key.Span));
                AssertBytes(wantHeaders[h].GetProperty("value"), header.IsValueNull, header.Value);
                h++;
            }
            index++;
        }
        Assert.Equal(expected.Length, index);
    }

    [Fact]
    public void Fixtures_CoverEveryCodec()
    {
        using var manifest = LoadManifest();
        var codecs = manifest.RootElement.GetProperty("batches").EnumerateObject()
            .Select(b => (CompressionType)b.Value.GetProperty("codec").GetInt32()).ToHashSet();
        Assert.Equal(Enum.GetValues<CompressionType>().ToHashSet(), codecs);
    }

    private static void AssertBytes(JsonElement expected, bool isNull, ReadOnlyMemory<byte> actual)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            Assert.True(isNull);
            Assert.True(actual.IsEmpty);
            return;
        }
        Assert.False(isNull);
        Assert.Equal(expected.GetBytesFromBase64(), actual.ToArray());
    }

    private static JsonDocument LoadManifest() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(FixtureDirectory, "fixtures.json")));
}
