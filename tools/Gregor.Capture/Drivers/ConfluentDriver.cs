using Confluent.Kafka;

namespace Gregor.Capture.Drivers;

/// <summary>
/// The Confluent.Kafka (librdkafka inside) client flow the capture script records: produce
/// keyed records with headers once per compression codec, then a consumer group that
/// consumes, commits, heartbeats and leaves. Each step is bounded in time; failures are
/// printed and give a non-zero exit code.
/// </summary>
internal static class ConfluentDriver
{
    public static int Run(string bootstrap, string topicPrefix, string groupId)
    {
        Console.WriteLine($"confluent: librdkafka {Library.VersionString}");
        var codecs = new[] { CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd };
        foreach (var codec in codecs)
        {
            var config = new ProducerConfig
            {
                BootstrapServers = bootstrap,
                ClientId = "golden-confluent",
                CompressionType = codec,
                LingerMs = 50,
                Acks = Acks.All,
                EnableIdempotence = false,
                MessageTimeoutMs = 10000,
            };
            using var producer = new ProducerBuilder<string, string>(config).Build();
            var topic = $"{topicPrefix}-{codec.ToString().ToLowerInvariant()}";
            for (var i = 0; i < 3; i++)
            {
                var headers = new Headers { { "trace", "abc"u8.ToArray() } };
                producer.Produce(topic, new Message<string, string> { Key = $"key-{i}", Value = $"value-{i} {new string('x', 40)}", Headers = headers });
            }
            if (producer.Flush(TimeSpan.FromSeconds(15)) != 0)
            {
                Console.Error.WriteLine($"confluent: flush of {topic} timed out");
                return 1;
            }
            Console.WriteLine($"confluent: produced 3 records to {topic}");
        }

        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            ClientId = "golden-confluent",
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            HeartbeatIntervalMs = 100,
            SessionTimeoutMs = 6000,
        };
        using var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build();
        consumer.Subscribe($"{topicPrefix}-none");
        var received = 0;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (received < 3 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not null && !result.IsPartitionEOF)
            {
                received++;
            }
        }
        if (received < 3)
        {
            Console.Error.WriteLine($"confluent: consumed {received} of 3 records");
            return 1;
        }
        consumer.Commit();
        // Keep polling a little so heartbeats go out (heartbeat.interval.ms = 100).
        var until = DateTime.UtcNow.AddMilliseconds(600);
        while (DateTime.UtcNow < until)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        }
        consumer.Close();
        Console.WriteLine("confluent: consumed 3 records, committed, left the group");
        return 0;
    }
}
