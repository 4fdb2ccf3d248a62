using System.Buffers.Binary;
using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Gregor.Bench;

/// <summary>
/// The Gregor workloads, driven by librdkafka (Confluent.Kafka): producer throughput, consumer
/// throughput and end-to-end latency at a fixed rate. Each call uses its own clients and
/// topic; not thread-safe across calls (the harness runs one scenario at a time).
/// </summary>
internal static class KafkaScenarios
{
    /// <summary>Kafka-typical batching used by every throughput scenario (stated in the report).</summary>
    public const int LingerMs = 5;
    public const int BatchSizeBytes = 256 * 1024;

    public static async Task CreateTopicAsync(string bootstrap, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    internal static ProducerConfig ProducerConfig(string bootstrap, Acks acks, int lingerMs) => new()
    {
        BootstrapServers = bootstrap,
        Acks = acks,
        LingerMs = lingerMs,
        BatchSize = BatchSizeBytes,
        CompressionType = CompressionType.None,
        EnableIdempotence = false,
        QueueBufferingMaxMessages = 1_000_000,
        QueueBufferingMaxKbytes = 256 * 1024,
        MessageTimeoutMs = 60_000,
    };

    /// <summary>The C producer used for the produce scenarios when it could be built (null: Confluent.Kafka).</summary>
    public static NativeProducer? Native { get; set; }

    /// <summary>Produces records of <paramref name="size"/> bytes as fast as the client can for <paramref name="duration"/>, then flushes.</summary>
    public static async Task<ThroughputResult> ProduceAsync(BrokerProcess broker, string name, string topic, int partitions,
        int size, Acks acks, TimeSpan duration, long maxRecords)
    {
        await CreateTopicAsync(broker.BootstrapServers, topic, partitions);
        if (Native is { } native)
        {
            // The warm-up record is produced by the process before its clock starts.
            var watermarkBefore = HighWatermarks(broker.BootstrapServers, topic, partitions) + 1;
            var nativeMeter = broker.Measure();
            var run = await native.RunAsync(broker.BootstrapServers, topic, size, acks == Acks.All ? "all" : "1", LingerMs, BatchSizeBytes, duration, maxRecords);
            var nativeUsage = await nativeMeter.EndAsync();
            var written = HighWatermarks(broker.BootstrapServers, topic, partitions) - watermarkBefore;
            return new ThroughputResult(name, written, written * size, run.Seconds)
            {
                Broker = nativeUsage,
                ClientCpuSeconds = run.CpuSeconds,
                Errors = Math.Max(0, run.Sent - written) + run.Failed + run.Undelivered,
            };
        }
        // No per-record delivery reports: marshalling one report per record into .NET cost the
        // client more CPU than producing (it was the bottleneck for 100 B records). What was
        // delivered is counted on the broker instead, from the partitions' high watermarks.
        var config = ProducerConfig(broker.BootstrapServers, acks, LingerMs);
        config.Set("dotnet.producer.enable.delivery.reports", "false");
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        // Warm the connection and metadata outside the measured window.
        producer.Produce(topic, new Message<Null, byte[]> { Value = new byte[size] });
        producer.Flush(TimeSpan.FromSeconds(30));
        var before = HighWatermarks(broker.BootstrapServers, topic, partitions);
        var payload = new byte[size];
        Random.Shared.NextBytes(payload);
        var message = new Message<Null, byte[]> { Value = payload };
        var meter = broker.Measure();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        long sent = 0;
        while (sent < maxRecords && Stopwatch.GetElapsedTime(start) < duration)
        {
            try
            {
                producer.Produce(topic, message);
                sent++;
            }
            catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(1));
            }
        }
        var remaining = producer.Flush(TimeSpan.FromSeconds(120));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var usage = await meter.EndAsync();
        var clientSeconds = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalSeconds;
        var delivered = HighWatermarks(broker.BootstrapServers, topic, partitions) - before;
        return new ThroughputResult(name, delivered, delivered * size, seconds)
        {
            Broker = usage,
            ClientCpuSeconds = clientSeconds,
            Errors = Math.Max(0, sent - delivered) + remaining,
        };
    }

    /// <summary>Deserializes a value to its length: the consumer sees every byte without copying it.</summary>
    private sealed class ValueLength : IDeserializer<int>
    {
        public static readonly ValueLength Instance = new();

        public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) => isNull ? 0 : data.Length;
    }

    /// <summary>The sum of the topic's partitions' high watermarks, asked of the broker.</summary>
    private static long HighWatermarks(string bootstrap, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "gregor-bench-watermarks" }).Build();
        return Enumerable.Range(0, partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30)).High.Value);
    }

    /// <summary>Reads <paramref name="expected"/> records of the topic from the beginning (assign, no group).</summary>
    public static async Task<ThroughputResult> ConsumeAsync(BrokerProcess broker, string name, string topic, int partitions, long expected)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "gregor-bench",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            FetchMaxBytes = 50 * 1024 * 1024,
            MaxPartitionFetchBytes = 1024 * 1024,
        };
        // Values are measured in place (their length read from librdkafka's buffer) instead of
        // copied into a new byte[] per record, which made the client the bottleneck.
        using var consumer = new ConsumerBuilder<Ignore, int>(config).SetValueDeserializer(ValueLength.Instance).Build();
        var meter = broker.Measure();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        long records = 0, bytes = 0;
        var lastProgress = Stopwatch.GetTimestamp();
        while (records < expected && Stopwatch.GetElapsedTime(lastProgress) < TimeSpan.FromSeconds(30))
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is { } message && !result.IsPartitionEOF)
            {
                records++;
                bytes += message.Value;
                lastProgress = Stopwatch.GetTimestamp();
            }
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var usage = await meter.EndAsync();
        consumer.Close();
        return new ThroughputResult(name, records, bytes, seconds)
        {
            Broker = usage,
            ClientCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalSeconds,
            Note = records < expected ? $"stalled after {records} of {expected} records" : "",
        };
    }

    /// <summary>
    /// Offers 1 KiB records at <paramref name="targetMBps"/> (paced every millisecond) to a
    /// one-partition topic with acks=1 and linger.ms=0, while a consumer in this process reads
    /// them; latency = consumer receive time − the Stopwatch timestamp written into the value.
    /// The first second is warm-up and not counted. The topic must exist. <paramref name="broker"/>
    /// is the process whose CPU and memory are measured (null for librdkafka's mock cluster,
    /// which runs inside this process). <paramref name="fetchWaitMaxMs"/>: the consumer's long-poll
    /// bound (a broker that wakes a waiting fetch on append answers sooner).
    /// </summary>
    public static async Task<LatencyResult> LatencyAsync(string bootstrapServers, BrokerProcess? broker, string name, string topic, double targetMBps, TimeSpan duration,
        int fetchWaitMaxMs = 100)
    {
        const int Size = 1024;
        var warmup = TimeSpan.FromSeconds(1);
        using var producer = new ProducerBuilder<Null, byte[]>(ProducerConfig(bootstrapServers, Acks.Leader, 0)).Build();
        await producer.ProduceAsync(topic, new Message<Null, byte[]> { Value = new byte[Size] });
        var latenciesTicks = new List<long>(capacity: 1 << 20);
        long received = 0;
        long lastReceived = 0;
        using var stop = new CancellationTokenSource();
        var consumerConfig = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "gregor-bench-latency",
            EnableAutoCommit = false,
            FetchWaitMaxMs = fetchWaitMaxMs,
            FetchMinBytes = 1,
        };
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        void ConsumeLoop()
        {
            using var consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig).Build();
            consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
            while (!stop.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result?.Message?.Value is { Length: Size } value)
                {
                    var now = Stopwatch.GetTimestamp();
                    var sentAt = BinaryPrimitives.ReadInt64LittleEndian(value);
                    Interlocked.Increment(ref received);
                    Volatile.Write(ref lastReceived, now);
                    if (sentAt >= measureFrom)
                    {
                        latenciesTicks.Add(now - sentAt);
                    }
                }
            }
            consumer.Close();
        }
        var consumerThread = new Thread(ConsumeLoop) { IsBackground = true, Name = "latency-consumer" };
        consumerThread.Start();

        var meter = broker?.Measure();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var recordsPerSecond = targetMBps * 1e6 / Size;
        var payload = new byte[Size];
        var message = new Message<Null, byte[]> { Value = payload };
        long sent = 0;
        var produceStart = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(produceStart) < duration + warmup)
        {
            var due = (long)(Stopwatch.GetElapsedTime(produceStart).TotalSeconds * recordsPerSecond);
            while (sent < due)
            {
                BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
                try
                {
                    producer.Produce(topic, message); // the client copies the value, so reusing the array is safe
                    sent++;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                }
            }
            Thread.Sleep(1);
        }
        var produceSeconds = Stopwatch.GetElapsedTime(produceStart).TotalSeconds;
        producer.Flush(TimeSpan.FromSeconds(60));
        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        while (Interlocked.Read(ref received) < sent + 1 && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20);
        }
        await stop.CancelAsync();
        consumerThread.Join();
        var usage = meter is null ? null : await meter.EndAsync();
        var clientSeconds = (Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalSeconds;

        var sorted = latenciesTicks.ToArray();
        Array.Sort(sorted);
        double Percentile(double p) => sorted.Length == 0 ? double.NaN
            : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        var lost = sent + 1 - Interlocked.Read(ref received);
        var deliveredSeconds = (Volatile.Read(ref lastReceived) - produceStart) / (double)Stopwatch.Frequency;
        return new LatencyResult(name, targetMBps, sent * Size / produceSeconds / 1e6, sorted.Length,
            Percentile(0.50), Percentile(0.99), Percentile(0.999), sorted.Length == 0 ? double.NaN : sorted[^1] * 1000.0 / Stopwatch.Frequency)
        {
            Broker = usage,
            ClientCpuSeconds = clientSeconds,
            DeliveredMBps = deliveredSeconds > 0 ? Interlocked.Read(ref received) * Size / deliveredSeconds / 1e6 : 0,
            Note = (lost > 0 ? $"{lost} records not received within 30 s. " : "")
                + (sorted.Length > 0 && sorted[sorted.Length / 2] * 1000.0 / Stopwatch.Frequency > 100
                    ? "backlog: produce → broker → consumer did not keep up with the offered rate, so latency is queueing time" : ""),
        };
    }
}
