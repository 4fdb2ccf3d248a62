using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// Confluent.Kafka 2.16.0 clients configured for tests: short reconnect backoff (the crash
/// test restarts the broker), bounded timeouts, and helpers that poll instead of sleeping.
/// Stateless.
/// </summary>
internal static class ConfluentClients
{
    public static ProducerConfig Producer(GregorProcess broker, bool idempotent) => new()
    {
        BootstrapServers = broker.BootstrapServers,
        ClientId = "compat-confluent",
        Acks = Acks.All,
        EnableIdempotence = idempotent,
        LingerMs = 5,
        MessageTimeoutMs = 60000,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
    };

    public static ConsumerConfig Consumer(GregorProcess broker, string groupId) => new()
    {
        BootstrapServers = broker.BootstrapServers,
        ClientId = "compat-confluent",
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 500,
        ReconnectBackoffMs = 50,
        ReconnectBackoffMaxMs = 500,
        EnablePartitionEof = false,
    };

    public static IAdminClient Admin(GregorProcess broker) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers, ClientId = "compat-confluent" }).Build();

    public static async Task CreateTopicAsync(GregorProcess broker, string topic, int partitions, Dictionary<string, string>? configs = null)
    {
        using var admin = Admin(broker);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs }]);
        await Eventually.TrueAsync(() => admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.Single().Partitions.Count == partitions,
            timeout: TimeSpan.FromSeconds(20), what: $"topic {topic} with {partitions} partitions in metadata");
    }

    /// <summary>Produces string records and waits for every delivery report; returns the reports.</summary>
    public static async Task<List<DeliveryResult<string, string>>> ProduceAsync(GregorProcess broker, string topic, IEnumerable<(string Key, string Value)> records, bool idempotent = true)
    {
        using var producer = new ProducerBuilder<string, string>(Producer(broker, idempotent)).Build();
        var tasks = records.Select(r => producer.ProduceAsync(topic, new Message<string, string> { Key = r.Key, Value = r.Value })).ToList();
        producer.Flush(TimeSpan.FromSeconds(30));
        var results = new List<DeliveryResult<string, string>>();
        foreach (var task in tasks)
        {
            results.Add(await task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        return results;
    }

    /// <summary>Consumes until <paramref name="count"/> records arrived or the timeout passed.</summary>
    public static List<ConsumeResult<string, string>> ConsumeAtLeast(IConsumer<string, string> consumer, int count, TimeSpan timeout)
    {
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow + timeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is not null)
            {
                results.Add(result);
            }
        }
        return results;
    }
}
