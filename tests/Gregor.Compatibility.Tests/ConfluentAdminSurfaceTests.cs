using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests;

/// <summary>
/// The admin surface Confluent.Kafka 2.16.0 (librdkafka 2.16.0) exposes, against the real broker
/// process (issue 10): ListOffsets with the max-timestamp spec, and the authorized operations of
/// topics, the cluster and consumer groups.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ConfluentAdminSurfaceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Regression (KAFKA-16310): the answer was the batch's last offset (2) instead of the record
    // carrying the largest timestamp. The three records must travel in one batch: a long linger and
    // one flush make librdkafka send them together.
    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    public async Task ListOffsets_MaxTimestamp_IsTheRecordWithTheLargestTimestampInsideOneBatch(CompressionType codec)
    {
        await using var broker = await GregorProcess.StartAsync();
        var topic = $"confluent-max-timestamp-{codec.ToString().ToLowerInvariant()}";
        await ConfluentClients.CreateTopicAsync(broker, topic, 1);
        var t = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        long[] timestamps = [t + 100, t + 400, t + 250];

        var config = ConfluentClients.Producer(broker, idempotent: true);
        config.LingerMs = 5000;
        config.CompressionType = codec;
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            var reports = new List<DeliveryReport<string, string>>();
            foreach (var timestamp in timestamps)
            {
                producer.Produce(topic, new Message<string, string> { Key = $"k{timestamp}", Value = "v", Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) }, reports.Add);
            }
            Assert.Equal(0, producer.Flush(Patience));
            Assert.Equal([0L, 1L, 2L], reports.Select(r => r.Offset.Value).Order());
            Assert.All(reports, r => Assert.Equal(ErrorCode.NoError, r.Error.Code));
        }

        using var admin = ConfluentClients.Admin(broker);
        var result = await admin.ListOffsetsAsync(
            [new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 0), OffsetSpec = OffsetSpec.MaxTimestamp() }],
            new ListOffsetsOptions { RequestTimeout = Patience });

        var info = Assert.Single(result.ResultInfos);
        Assert.Equal(ErrorCode.NoError, info.TopicPartitionOffsetError.Error.Code);
        Assert.Equal(1, info.TopicPartitionOffsetError.Offset.Value);
        Assert.Equal(t + 400, info.Timestamp);

        var earliest = await admin.ListOffsetsAsync(
            [new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 0), OffsetSpec = OffsetSpec.Earliest() }],
            new ListOffsetsOptions { RequestTimeout = Patience });
        Assert.Equal(0, Assert.Single(earliest.ResultInfos).TopicPartitionOffsetError.Offset.Value);
        var latest = await admin.ListOffsetsAsync(
            [new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition(topic, 0), OffsetSpec = OffsetSpec.Latest() }],
            new ListOffsetsOptions { RequestTimeout = Patience });
        Assert.Equal(3, Assert.Single(latest.ResultInfos).TopicPartitionOffsetError.Offset.Value);
    }

    [Fact]
    public async Task AuthorizedOperations_WithNoAuthorizer_AreEveryOperationKafkaDefinesForTopicsClusterAndGroups()
    {
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "confluent-authorized-ops";
        const string group = "confluent-authorized-ops-group";
        await ConfluentClients.CreateTopicAsync(broker, topic, 1);
        using var admin = ConfluentClients.Admin(broker);

        var topics = await admin.DescribeTopicsAsync(
            TopicCollection.OfTopicNames([topic]),
            new DescribeTopicsOptions { IncludeAuthorizedOperations = true, RequestTimeout = Patience });
        var described = Assert.Single(topics.TopicDescriptions);
        Assert.Equal(ErrorCode.NoError, described.Error.Code);
        Assert.Equal(
            new[] { AclOperation.Read, AclOperation.Write, AclOperation.Create, AclOperation.Delete, AclOperation.Alter, AclOperation.Describe, AclOperation.DescribeConfigs, AclOperation.AlterConfigs }.Order(),
            described.AuthorizedOperations.Order());

        var cluster = await admin.DescribeClusterAsync(new DescribeClusterOptions { IncludeAuthorizedOperations = true, RequestTimeout = Patience });
        Assert.Equal(
            new[] { AclOperation.Create, AclOperation.ClusterAction, AclOperation.DescribeConfigs, AclOperation.AlterConfigs, AclOperation.IdempotentWrite, AclOperation.Alter, AclOperation.Describe }.Order(),
            cluster.AuthorizedOperations.Order());

        // Not asked for: librdkafka reports no list at all (the broker sent INT32_MIN).
        var plain = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]), new DescribeTopicsOptions { RequestTimeout = Patience });
        Assert.Null(Assert.Single(plain.TopicDescriptions).AuthorizedOperations);

        using var consumer = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, group)).Build();
        consumer.Subscribe(topic);
        await Eventually.True(
            () =>
            {
                consumer.Consume(TimeSpan.FromMilliseconds(50));
                return consumer.Assignment.Count == 1;
            },
            Patience,
            "the consumer joins its group and gets the partition");
        var groups = await admin.DescribeConsumerGroupsAsync([group], new DescribeConsumerGroupsOptions { IncludeAuthorizedOperations = true, RequestTimeout = Patience });
        var groupDescription = Assert.Single(groups.ConsumerGroupDescriptions);
        Assert.Equal(ErrorCode.NoError, groupDescription.Error.Code);
        Assert.Equal(
            new[] { AclOperation.Read, AclOperation.Describe, AclOperation.Delete, AclOperation.DescribeConfigs, AclOperation.AlterConfigs }.Order(),
            groupDescription.AuthorizedOperations.Order());
        consumer.Close();
    }
}
