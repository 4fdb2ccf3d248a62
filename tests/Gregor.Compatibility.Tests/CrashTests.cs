using Confluent.Kafka;
using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests;

/// <summary>
/// librdkafka (Confluent.Kafka 2.16.0) producing with acks=all and consuming in a group while
/// the broker process is SIGKILLed and restarted on the same data directory and port.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class CrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AcksAllProducer_WhileTheBrokerIsKilledTenTimes_KeepsEveryAcknowledgedRecordOnceAndInOrder()
    {
        var seed = Environment.TickCount;
        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}");
        var random = new Random(seed);
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "crash-acks-all";

        var config = ConfluentClients.Producer(broker, idempotent: true);
        config.MessageTimeoutMs = 120_000; // records wait out the restarts instead of expiring
        config.RetryBackoffMs = 50;
        var acknowledged = new Dictionary<long, long>(); // value -> offset
        var failed = 0L;
        var sent = 0L;
        var gate = new Lock();
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        using var stop = new CancellationTokenSource();
        var cancellation = TestContext.Current.CancellationToken;
        var producing = Task.Run(async () =>
        {
            for (long next = 0; !stop.IsCancellationRequested; next++)
            {
                var value = next;
                producer.Produce(topic, new Message<Null, string> { Value = value.ToString("D9") }, report =>
                {
                    lock (gate)
                    {
                        if (report.Error.IsError || report.Status != PersistenceStatus.Persisted)
                        {
                            failed++;
                        }
                        else
                        {
                            acknowledged[value] = report.Offset.Value;
                        }
                    }
                });
                Interlocked.Increment(ref sent);
                // Back-pressure: at most 2,000 records in flight.
                while (!stop.IsCancellationRequested && Interlocked.Read(ref sent) - Acked() - Interlocked.Read(ref failed) > 2000)
                {
                    await Task.Delay(2, cancellation);
                }
            }
        }, cancellation);

        int Acked()
        {
            lock (gate)
            {
                return acknowledged.Count;
            }
        }

        for (var round = 1; round <= 10; round++)
        {
            var target = Acked() + random.Next(20, 600);
            await Eventually.TrueAsync(() => Acked() >= target || producing.IsFaulted, timeout: Patience, what: $"round {round}: {target} acknowledged records");
            await broker.KillAsync();
            await broker.RestartAsync();
        }
        var final = Acked() + 200;
        await Eventually.TrueAsync(() => Acked() >= final || producing.IsFaulted, timeout: Patience, what: "the producer to recover after the last restart");
        await stop.CancelAsync();
        await producing;
        producer.Flush(Patience);

        var log = ReadAll(broker, topic);
        Dictionary<long, long> acked;
        lock (gate)
        {
            acked = new Dictionary<long, long>(acknowledged);
        }
        Assert.True(acked.Count >= 200, $"only {acked.Count} records acknowledged");
        Assert.Equal(log.Count, log.Distinct().Count()); // nothing stored twice
        Assert.True(log.SequenceEqual(log.Order()), "records are out of produce order");
        foreach (var (value, offset) in acked)
        {
            Assert.True(offset < log.Count && log[(int)offset] == value, $"acknowledged record {value} at offset {offset} is missing or moved");
        }
    }

    [Fact]
    public async Task ConsumerGroup_AcrossBrokerKills_ResumesFromItsCommittedOffsets()
    {
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "crash-group";
        await ConfluentClients.ProduceAsync(broker, topic, Enumerable.Range(0, 90).Select(i => ($"k{i}", i.ToString("D3"))));
        var consumed = new List<string>();

        using (var first = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, "crash-group-1")).Build())
        {
            first.Subscribe(topic);
            ConsumeAndCommit(first, 30, consumed);
            first.Close();
        }
        await broker.KillAsync();
        await broker.RestartAsync();

        using (var second = new ConsumerBuilder<string, string>(ConfluentClients.Consumer(broker, "crash-group-1")).Build())
        {
            second.Subscribe(topic);
            ConsumeAndCommit(second, 30, consumed);
            Assert.Equal(Enumerable.Range(0, 60).Select(i => i.ToString("D3")), consumed);

            // Killed while this member is in the group: it reconnects, rejoins and carries on.
            await broker.KillAsync();
            await broker.RestartAsync();
            ConsumeAndCommit(second, 30, consumed);
            second.Close();
        }
        Assert.Equal(Enumerable.Range(0, 90).Select(i => i.ToString("D3")), consumed);
    }

    /// <summary>Consumes <paramref name="count"/> records, committing each (retrying while the broker restarts).</summary>
    private static void ConsumeAndCommit(IConsumer<string, string> consumer, int count, List<string> into)
    {
        var deadline = DateTime.UtcNow + Patience;
        var taken = 0;
        while (taken < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"consumed {taken} of {count} records in time");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }
            into.Add(result.Message.Value);
            taken++;
            while (true)
            {
                try
                {
                    consumer.Commit(result);
                    break;
                }
                catch (KafkaException) when (DateTime.UtcNow < deadline)
                {
                    // The coordinator is restarting: commit again.
                }
            }
        }
    }

    private static List<long> ReadAll(GregorProcess broker, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(ConfluentClients.Consumer(broker, "crash-reader")).Build();
        var partition = new TopicPartition(topic, 0);
        var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
        consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
        var values = new List<long>();
        var deadline = DateTime.UtcNow + Patience;
        while (values.Count < end && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is not null)
            {
                values.Add(long.Parse(result.Message.Value, System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        Assert.Equal(end, values.Count);
        return values;
    }
}
