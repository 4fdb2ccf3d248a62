using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests;

/// <summary>Confluent.Kafka 2.16.0 (its own librdkafka 2.16.0) against the real broker process.</summary>
[Collection(BrokerCollection.Name)]
public sealed class ConfluentTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task IdempotentProducer_WithAcksAll_StoresEveryRecordOnceInProduceOrder()
    {
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "confluent-idempotent";
        await ConfluentClients.CreateTopicAsync(broker, topic, 3);

        var reports = await ConfluentClients.ProduceAsync(broker, topic, Enumerable.Range(0, 300).Select(i => ($"key-{i % 10}", $"{i}")));

        Assert.All(reports, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        foreach (var partition in reports.GroupBy(r => r.Partition.Value))
        {
            // Offsets are dense from 0 and follow the order the records were produced.
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset.Value));
        }
        using var consumer = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, "confluent-idempotent-check")).Build();
        consumer.Subscribe(topic);
        var consumed = ConfluentClients.ConsumeAtLeast(consumer, 300, Patience);
        Assert.Equal(300, consumed.Count);
        foreach (var partition in consumed.GroupBy(c => c.Partition.Value))
        {
            var expected = reports.Where(r => r.Partition.Value == partition.Key).Select(r => r.Message.Value);
            Assert.Equal(expected, partition.Select(c => c.Message.Value));
        }
        Assert.Empty(ConfluentClients.ConsumeAtLeast(consumer, 1, TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Produce_WithEachCodec_ReadsBackKeysValuesAndHeaders(CompressionType codec)
    {
        await using var broker = await GregorProcess.StartAsync();
        var topic = $"confluent-{codec.ToString().ToLowerInvariant()}";
        var config = ConfluentClients.Producer(broker, idempotent: true);
        config.CompressionType = codec;
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            for (var i = 0; i < 50; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = $"k{i}", Value = $"{codec} value {i} {new string('x', 100)}", Headers = new Headers { { "index", BitConverter.GetBytes(i) } } });
            }
            Assert.Equal(0, producer.Flush(Patience));
        }

        using var consumer = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, $"{topic}-check")).Build();
        consumer.Subscribe(topic);
        var consumed = ConfluentClients.ConsumeAtLeast(consumer, 50, Patience);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"k{i}"), consumed.Select(c => c.Message.Key));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{codec} value {i} {new string('x', 100)}"), consumed.Select(c => c.Message.Value));
        Assert.Equal(Enumerable.Range(0, 50), consumed.Select(c => BitConverter.ToInt32(c.Message.Headers.GetLastBytes("index"))));
    }

    [Fact]
    public async Task ConsumerGroup_OfThreeMembersOnSixPartitions_RebalancesOnJoinAndLeave_AndConsumesEachRecordOnce()
    {
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "confluent-group";
        await ConfluentClients.CreateTopicAsync(broker, topic, 6);
        var consumed = new ConcurrentBag<string>();

        await ConfluentClients.ProduceAsync(broker, topic, Enumerable.Range(0, 120).Select(i => ($"k{i}", $"a-{i}")));
        await using var member1 = GroupMember.Start(broker, topic, "confluent-group-1", consumed);
        await Eventually.TrueAsync(() => member1.Assigned == 6 && !consumed.IsEmpty, timeout: Patience, what: "the first member to own all 6 partitions and consume");

        await using var member2 = GroupMember.Start(broker, topic, "confluent-group-1", consumed);
        var member3 = GroupMember.Start(broker, topic, "confluent-group-1", consumed);
        await Eventually.TrueAsync(() => member1.Assigned == 2 && member2.Assigned == 2 && member3.Assigned == 2, timeout: Patience, what:
            $"2 partitions each after two joins (now {member1.Assigned}/{member2.Assigned}/{member3.Assigned})");

        await ConfluentClients.ProduceAsync(broker, topic, Enumerable.Range(0, 120).Select(i => ($"k{i}", $"b-{i}")));
        await Eventually.TrueAsync(() => consumed.Count >= 240, timeout: Patience, what: $"240 records consumed (now {consumed.Count})");
        Assert.True(member3.ConsumedCount > 0, "the third member consumed nothing");

        await member3.DisposeAsync();
        await Eventually.TrueAsync(() => member1.Assigned == 3 && member2.Assigned == 3, timeout: Patience, what:
            $"3 partitions each after a leave (now {member1.Assigned}/{member2.Assigned})");
        await ConfluentClients.ProduceAsync(broker, topic, Enumerable.Range(0, 60).Select(i => ($"k{i}", $"c-{i}")));
        await Eventually.TrueAsync(() => consumed.Count >= 300, timeout: Patience, what: $"300 records consumed (now {consumed.Count})");

        var expected = new[] { "a", "b" }.SelectMany(p => Enumerable.Range(0, 120).Select(i => $"{p}-{i}"))
            .Concat(Enumerable.Range(0, 60).Select(i => $"c-{i}")).Order().ToList();
        Assert.Equal(expected, consumed.Order().ToList());
    }

    [Fact]
    public async Task CommittedOffsets_SurviveABrokerRestart_AndTheGroupResumesFromThem()
    {
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "confluent-restart";
        await ConfluentClients.ProduceAsync(broker, topic, Enumerable.Range(0, 10).Select(i => ($"k{i}", $"v{i}")));

        using (var consumer = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, "confluent-restart-group")).Build())
        {
            consumer.Subscribe(topic);
            var first = ConfluentClients.ConsumeAtLeast(consumer, 6, Patience);
            Assert.Equal(Enumerable.Range(0, 6).Select(i => $"v{i}"), first.Take(6).Select(r => r.Message.Value));
            consumer.Commit(first[5]);
            consumer.Close();
        }

        await broker.RestartAsync(kill: false);

        using (var consumer = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, "confluent-restart-group")).Build())
        {
            consumer.Subscribe(topic);
            var rest = ConfluentClients.ConsumeAtLeast(consumer, 4, Patience);
            Assert.Equal(Enumerable.Range(6, 4).Select(i => $"v{i}"), rest.Select(r => r.Message.Value));
            Assert.Equal(6, rest[0].Offset.Value);
            var committed = consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10));
            Assert.Equal(6, committed.Single().Offset.Value);
            consumer.Close();
        }
    }

    [Fact]
    public async Task Admin_CreatesDescribesAltersAndDeletesTopicsAndTheirConfigs()
    {
        await using var broker = await GregorProcess.StartAsync();
        using var admin = ConfluentClients.Admin(broker);
        const string topic = "confluent-admin";

        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 4, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "3600000" } }]);
        var duplicate = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Results.Single().Error.Code);

        var description = (await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]))).TopicDescriptions.Single();
        Assert.Equal(4, description.Partitions.Count);
        Assert.All(description.Partitions, p => Assert.Equal(1, p.Leader.Id));

        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };
        var configs = (await admin.DescribeConfigsAsync([resource])).Single().Entries;
        Assert.Equal("3600000", configs["retention.ms"].Value);
        Assert.Equal("delete", configs["cleanup.policy"].Value);

        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "retention.ms", Value = "7200000", IncrementalOperation = AlterConfigOpType.Set }],
        });
        await Eventually.TrueAsync(async () => (await admin.DescribeConfigsAsync([resource])).Single().Entries["retention.ms"].Value == "7200000",
            timeout: Patience, what: "retention.ms altered to 7200000");

        await admin.DeleteTopicsAsync([topic]);
        await Eventually.TrueAsync(() => admin.GetMetadata(TimeSpan.FromSeconds(5)).Topics.All(t => t.Topic != topic), timeout: Patience, what: "the deleted topic to leave the metadata");
    }

    [Fact]
    public async Task OffsetsForTimes_FindsTheFirstRecordAtOrAfterEachTimestamp()
    {
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "confluent-timestamps";
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        using (var producer = new ProducerBuilder<string, string>(ConfluentClients.Producer(broker, idempotent: true)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}", Timestamp = new Timestamp(t0 + (i * 1000), TimestampType.CreateTime) }, TestContext.Current.CancellationToken);
            }
        }
        using var consumer = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, "confluent-timestamps")).Build();
        var partition = new TopicPartition(topic, 0);

        TopicPartitionOffset Lookup(long timestamp) =>
            consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(timestamp, TimestampType.CreateTime))], TimeSpan.FromSeconds(10)).Single();

        Assert.Equal(0, Lookup(t0 - 1).Offset.Value);
        Assert.Equal(5, Lookup(t0 + 4500).Offset.Value);
        Assert.Equal(9, Lookup(t0 + 9000).Offset.Value);
        Assert.Equal(Offset.End, Lookup(t0 + 20_000).Offset);
    }
}
