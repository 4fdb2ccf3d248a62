using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Tests.Metadata;

public sealed class MetadataImageRecordsTests
{
    private static readonly Guid TopicA = Guid.Parse("0f0e0d0c-0b0a-4908-8706-050403020100");
    private static readonly Guid TopicB = Guid.Parse("1f0e0d0c-0b0a-4908-8706-050403020100");

    /// <summary>A log exercising every record the image holds: brokers in each state, topics, configs, ids.</summary>
    internal static List<MetadataRecord> History() =>
    [
        new FeatureLevelRecord("metadata.version", 21),
        new RegisterBrokerRecord(1, Guid.Parse("aaaaaaaa-0000-4000-8000-000000000001"), 1, [new BrokerEndpoint("PLAINTEXT", "h1", 9092)], "r1", Fenced: true),
        new RegisterBrokerRecord(2, Guid.Parse("aaaaaaaa-0000-4000-8000-000000000002"), 2, [new BrokerEndpoint("PLAINTEXT", "h2", 9192)], null, Fenced: true),
        new RegisterBrokerRecord(3, Guid.Parse("aaaaaaaa-0000-4000-8000-000000000003"), 3, [new BrokerEndpoint("PLAINTEXT", "h3", 9292)], null, Fenced: true),
        new UnfenceBrokerRecord(1, 1),
        new UnfenceBrokerRecord(2, 2),
        new UnfenceBrokerRecord(3, 3),
        new FenceBrokerRecord(2, 2),
        new BrokerRegistrationChangeRecord(3, 3, BrokerRegistrationChangeRecord.FenceChangeFenced, InControlledShutdown: 1),
        new UnfenceBrokerRecord(1, 99), // stale epoch: ignored
        new TopicRecord("a", TopicA),
        new ConfigRecord(ConfigRecord.TopicResource, "a", "retention.ms", "1000"),
        new PartitionRecord(0, TopicA, [1, 2], [1, 2], 1, 0, 0),
        new PartitionRecord(1, TopicA, [2, 1], [2, 1], 2, 0, 0),
        new PartitionChangeRecord(1, TopicA, Isr: [1], Leader: 1),
        new TopicRecord("b", TopicB),
        new PartitionRecord(0, TopicB, [1], [1], 1, 0, 0),
        new RemoveTopicRecord(TopicB),
        new ConfigRecord(ConfigRecord.BrokerResource, "", "log.retention.ms", "5000"),
        new ConfigRecord(ConfigRecord.BrokerResource, "1", "log.cleaner.threads", "2"),
        new ProducerIdsRecord(1, 1, 3000),
        new NoOpRecord(),
    ];

    internal static MetadataImage Replay(IReadOnlyList<MetadataRecord> records)
    {
        var builder = new MetadataImageBuilder(MetadataImage.Empty("c", 1));
        builder.ApplyBatch(0, records.Count - 1, records);
        return builder.Build();
    }

    [Fact]
    public void Snapshot_OfAnImage_ReplaysToAnEquivalentImage()
    {
        var image = Replay(History());

        var records = MetadataImageRecords.Write(image);
        var restored = MetadataImageRecords.Read("c", 1, image.Offset, records);

        Assert.True(MetadataImageRecords.Equivalent(image, restored));
        Assert.Equal(MetadataImageRecords.Write(restored).Select(MetadataRecordSerde.Serialize), records.Select(MetadataRecordSerde.Serialize));
        Assert.True(restored.Brokers[2].Fenced);
        Assert.True(restored.Brokers[3].Fenced && restored.Brokers[3].InControlledShutdown);
        Assert.False(restored.Brokers[1].Fenced);
        Assert.Equal(1, restored.Partition("a", 1)!.LeaderEpoch);
        Assert.Equal([1], restored.Partition("a", 1)!.Isr);
        Assert.Null(restored.Topic("b"));
        Assert.Equal("1000", restored.Topic("a")!.Configs["retention.ms"]);
        Assert.Equal("2", restored.BrokerConfigsOf("1")["log.cleaner.threads"]);
        Assert.Equal(3000, restored.NextProducerId);
        Assert.Equal(21, restored.FeatureLevels["metadata.version"]);
    }

    [Fact]
    public void Equivalent_DetectsAnyDifference()
    {
        var image = Replay(History());
        var history = History();
        history.Add(new ConfigRecord(ConfigRecord.TopicResource, "a", "retention.ms", "2000"));
        history.RemoveAt(history.Count - 2);

        Assert.False(MetadataImageRecords.Equivalent(image, Replay(history)));
        Assert.False(MetadataImageRecords.Equivalent(image, image with { Offset = image.Offset + 1 }));
    }
}
