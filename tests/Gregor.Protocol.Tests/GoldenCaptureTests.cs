using System.Buffers;
using System.Text;
using Gregor.Protocol.Compression;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;
using Gregor.Protocol.Records;

namespace Gregor.Protocol.Tests;

/// <summary>
/// Decodes the request frames captured from kcat (librdkafka 2.0.2), Confluent.Kafka 2.16.0
/// (librdkafka 2.16.0) and kafkajs 2.2.4 (Golden/README.md) with the generated messages, asserts
/// the fields the capture flows set, and re-encodes each frame to the exact bytes received.
/// </summary>
public sealed class GoldenCaptureTests
{
    private static readonly string[] RequiredApis =
        ["ApiVersions", "Metadata", "Produce", "Fetch", "FindCoordinator", "JoinGroup", "SyncGroup", "Heartbeat", "OffsetCommit", "OffsetFetch"];

    public static TheoryData<string, string> Frames => GoldenFrames.All();

    public static TheoryData<string> Clients => new(GoldenFrames.Clients);

    [Theory]
    [MemberData(nameof(Frames))]
    public void CapturedFrame_DecodesCompletely_AndReencodesToTheSameBytes(string client, string fileName)
    {
        var decoded = GoldenFrames.Decode(Path.Combine(GoldenFrames.Directory(), client, fileName));
        var (api, version) = GoldenFrames.NameParts(fileName);

        Assert.Equal(api, decoded.Header.ApiKey.ToString());
        Assert.Equal(version, decoded.Header.ApiVersion);
        Assert.Equal(0, decoded.BytesLeft);
        Assert.Equal($"golden-{client}", decoded.Header.ClientId);

        using var writer = new ProtocolWriter();
        decoded.Header.Write(writer, decoded.HeaderVersion);
        decoded.Body.Write(writer, decoded.Header.ApiVersion);
        Assert.Equal(decoded.Bytes, writer.WrittenSpan.ToArray());
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Capture_CoversEveryRequiredApi(string client)
    {
        var apis = GoldenFrames.Files(client).Select(f => GoldenFrames.NameParts(f).Api).ToHashSet();
        Assert.All(RequiredApis, api => Assert.Contains(api, apis));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void ApiVersions_NamesTheClientSoftwareFromV3(string client)
    {
        var requests = GoldenFrames.Of<ApiVersionsRequest>(client);
        Assert.NotEmpty(requests);
        foreach (var (header, body) in requests.Where(r => r.Header.ApiVersion >= 3))
        {
            // librdkafka names itself; Confluent.Kafka sets client.software.name/version to its own.
            Assert.Equal(client == "kcat" ? "librdkafka" : "confluent-kafka-dotnet", body.ClientSoftwareName);
            Assert.StartsWith(client == "kcat" ? "2.0.2" : "2.16.0", body.ClientSoftwareVersion, StringComparison.Ordinal);
            Assert.Equal(3, header.ApiVersion);
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Metadata_AsksForTheCaptureTopics(string client)
    {
        var requests = GoldenFrames.Of<MetadataRequest>(client);
        var names = requests.SelectMany(r => r.Body.Topics ?? []).Select(t => t.Name).ToList();
        Assert.Contains(names, n => n is not null && n.StartsWith($"golden-{client}-", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Produce_CarriesOneBatchPerCodec_WithKeysHeadersAndValidCrc(string client)
    {
        var seen = new HashSet<CompressionType>();
        foreach (var (_, body) in GoldenFrames.Of<ProduceRequest>(client))
        {
            Assert.Equal(-1, body.Acks);
            Assert.Null(body.TransactionalId);
            var topic = Assert.Single(body.TopicData);
            Assert.StartsWith($"golden-{client}-", topic.Name, StringComparison.Ordinal);
            var partition = Assert.Single(topic.PartitionData);
            Assert.Equal(0, partition.Index);
            var records = partition.Records!.Value.Span;

            Assert.True(RecordBatchHeader.TryRead(records, out var batch));
            Assert.Equal(RecordBatchHeader.CurrentMagic, batch.Magic);
            Assert.Equal(records.Length, batch.TotalSize);
            Assert.True(RecordBatchHeader.IsCrcValid(records));
            Assert.Equal(client == "kcat" ? 2 : 3, batch.RecordCount);
            Assert.False(batch.IsTransactional);
            Assert.False(batch.IsControl);
            var expectedCodec = Enum.Parse<CompressionType>(topic.Name[$"golden-{client}-".Length..], ignoreCase: true);
            Assert.Equal(expectedCodec, batch.Compression);
            seen.Add(batch.Compression);

            var plain = new ArrayBufferWriter<byte>();
            CompressionCodecs.Decompress(batch.Compression, records[RecordBatchHeader.Size..], plain);
            var text = Encoding.UTF8.GetString(plain.WrittenSpan);
            Assert.Contains(client == "kcat" ? "k1" : "key-0", text, StringComparison.Ordinal);
            Assert.Contains(client == "kcat" ? $"v1 hello {topic.Name[$"golden-{client}-".Length..]}" : "value-2", text, StringComparison.Ordinal);
            Assert.Contains("trace", text, StringComparison.Ordinal);
        }
        Assert.Equal(Enum.GetValues<CompressionType>().ToHashSet(), seen);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Fetch_AsksForPartitionZeroFromAValidOffset(string client)
    {
        var requests = GoldenFrames.Of<FetchRequest>(client);
        Assert.NotEmpty(requests);
        foreach (var (header, body) in requests)
        {
            Assert.True(body.MaxWaitMs > 0);
            Assert.True(body.MaxBytes > 0);
            if (header.ApiVersion <= 14)
            {
                Assert.Equal(-1, body.ReplicaId);
            }
            var topic = Assert.Single(body.Topics);
            if (header.ApiVersion >= 13)
            {
                Assert.NotEqual(Guid.Empty, topic.TopicId);
            }
            else
            {
                Assert.StartsWith($"golden-{client}-", topic.Topic, StringComparison.Ordinal);
            }
            var partition = Assert.Single(topic.Partitions);
            Assert.Equal(0, partition.Partition);
            Assert.True(partition.FetchOffset >= 0);
            Assert.True(partition.PartitionMaxBytes > 0);
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void FindCoordinator_AsksForTheGroupCoordinator(string client)
    {
        var requests = GoldenFrames.Of<FindCoordinatorRequest>(client);
        Assert.NotEmpty(requests);
        foreach (var (header, body) in requests)
        {
            Assert.Equal(0, body.KeyType);
            var keys = header.ApiVersion >= 4 ? body.CoordinatorKeys : [body.KeyField];
            Assert.Equal([$"golden-{client}-group"], keys);
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void JoinGroup_FirstJoinsWithoutMemberId_ThenRejoinsWithTheAssignedOne(string client)
    {
        var requests = GoldenFrames.Of<JoinGroupRequest>(client);
        Assert.True(requests.Count >= 2);
        Assert.Equal("", requests[0].Body.MemberId);
        Assert.Contains(requests, r => r.Body.MemberId.Length > 0);
        foreach (var (_, body) in requests)
        {
            Assert.Equal($"golden-{client}-group", body.GroupId);
            Assert.Equal("consumer", body.ProtocolType);
            Assert.True(body.SessionTimeoutMs > 0);
            Assert.True(body.RebalanceTimeoutMs > 0);
            Assert.NotEmpty(body.Protocols);
            Assert.All(body.Protocols, p => Assert.Contains(p.Name, new[] { "range", "roundrobin", "cooperative-sticky", "RoundRobinAssigner" }));
            // ConsumerProtocolSubscription: version (int16), then the topic array naming our topic.
            Assert.All(body.Protocols, p => Assert.Contains($"golden-{client}-none", Encoding.UTF8.GetString(p.Metadata), StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void SyncGroup_FromTheLeader_AssignsItsOwnMember(string client)
    {
        var requests = GoldenFrames.Of<SyncGroupRequest>(client);
        Assert.NotEmpty(requests);
        foreach (var (_, body) in requests)
        {
            Assert.Equal($"golden-{client}-group", body.GroupId);
            Assert.True(body.GenerationId >= 1);
            Assert.NotEmpty(body.MemberId);
            var assignment = Assert.Single(body.Assignments);
            Assert.Equal(body.MemberId, assignment.MemberId);
            Assert.Contains($"golden-{client}-none", Encoding.UTF8.GetString(assignment.Assignment), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void Heartbeat_NamesGroupMemberAndGeneration(string client)
    {
        var requests = GoldenFrames.Of<HeartbeatRequest>(client);
        Assert.NotEmpty(requests);
        var members = GoldenFrames.Of<SyncGroupRequest>(client).Select(s => s.Body.MemberId).ToHashSet();
        foreach (var (_, body) in requests)
        {
            Assert.Equal($"golden-{client}-group", body.GroupId);
            Assert.True(body.GenerationId >= 1);
            Assert.Contains(body.MemberId, members);
        }
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void OffsetCommit_CommitsTheConsumedOffsetsOfPartitionZero(string client)
    {
        var requests = GoldenFrames.Of<OffsetCommitRequest>(client);
        Assert.NotEmpty(requests);
        var committed = new List<long>();
        foreach (var (_, body) in requests)
        {
            Assert.Equal($"golden-{client}-group", body.GroupId);
            Assert.True(body.GenerationIdOrMemberEpoch >= 1);
            Assert.NotEmpty(body.MemberId);
            var topic = Assert.Single(body.Topics);
            Assert.Equal($"golden-{client}-none", topic.Name);
            var partition = Assert.Single(topic.Partitions);
            Assert.Equal(0, partition.PartitionIndex);
            committed.Add(partition.CommittedOffset);
        }
        // kcat consumed its 2 records, the others 3: the last commit is the next offset to read.
        Assert.Equal(client == "kcat" ? 2 : 3, committed.Max());
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public void OffsetFetch_AsksForTheGroupsCommittedOffsets(string client)
    {
        var requests = GoldenFrames.Of<OffsetFetchRequest>(client);
        Assert.NotEmpty(requests);
        foreach (var (header, body) in requests)
        {
            if (header.ApiVersion >= 8)
            {
                var group = Assert.Single(body.Groups);
                Assert.Equal($"golden-{client}-group", group.GroupId);
                var topic = Assert.Single(group.Topics!);
                Assert.Equal($"golden-{client}-none", topic.Name);
                Assert.Equal([0], topic.PartitionIndexes);
            }
            else
            {
                Assert.Equal($"golden-{client}-group", body.GroupId);
                var topic = Assert.Single(body.Topics!);
                Assert.Equal($"golden-{client}-none", topic.Name);
                Assert.Equal([0], topic.PartitionIndexes);
            }
        }
    }
}
