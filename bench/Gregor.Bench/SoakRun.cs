using System.Diagnostics;
using Confluent.Kafka;

namespace Gregor.Bench;

/// <summary>
/// The soak (<c>--soak T</c>): on a fresh broker, 1 KiB records offered at a fixed rate (paced
/// every millisecond) to an 8-partition topic with acks=1 and linger.ms=5, while one consumer in a
/// consumer group (subscribe, auto-commit every 5 s) reads them; every second the broker's VmRSS,
/// CPU and GC totals and the acknowledged/consumed counts are sampled. After T the producer stops,
/// the lag is recorded, the producer is flushed and the consumer given up to 30 s to catch up
/// (the drain, not part of the samples). The producer, the consumer and the sampler each run on
/// their own thread; counters are shared through Interlocked. One run per call.
/// </summary>
internal static class SoakRun
{
    public const string Topic = "soak";
    public const string GroupId = "gregor-soak";
    public const int Partitions = 8;
    public const int RecordSize = 1024;
    public const int AutoCommitIntervalMs = 5000;
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Free bytes on the file system holding <paramref name="directory"/> (the mount with the
    /// longest matching root), or null when unknown.
    /// </summary>
    public static long? FreeBytes(string directory)
    {
        var full = Path.GetFullPath(directory);
        var drive = DriveInfo.GetDrives()
            .Where(d => d.IsReady && full.StartsWith(d.RootDirectory.FullName, StringComparison.Ordinal))
            .MaxBy(d => d.RootDirectory.FullName.Length);
        return drive?.AvailableFreeSpace;
    }

    public static async Task<SoakResult> RunAsync(BrokerProcess broker, string dataDir, TimeSpan duration, double rateMBps, Action<string> log)
    {
        await KafkaScenarios.CreateTopicAsync(broker.BootstrapServers, Topic, Partitions);
        var counters = new Counters();
        var consumer = new ConsumerSide(broker.BootstrapServers, counters);
        var consumerThread = new Thread(consumer.Run) { IsBackground = true, Name = "soak-consumer" };
        var start = Stopwatch.GetTimestamp();
        consumer.Start = start;
        consumerThread.Start();

        var samples = new List<SoakSample>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Factory.StartNew(() => Sample(broker, counters, start, samples, stopSampling.Token, log),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        using var producer = new ProducerBuilder<Null, byte[]>(KafkaScenarios.ProducerConfig(broker.BootstrapServers, Acks.Leader, KafkaScenarios.LingerMs)).Build();
        var (sent, produceSeconds) = await Task.Factory.StartNew(() => Produce(producer, counters, duration, rateMBps),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await stopSampling.CancelAsync();
        await sampler;
        var ackedAtEnd = Interlocked.Read(ref counters.Acked);
        var consumedAtEnd = Interlocked.Read(ref counters.Consumed);
        var consumedBytesAtEnd = Interlocked.Read(ref counters.ConsumedBytes);
        log($"soak: stopped producing after {produceSeconds:F0} s; lag {ackedAtEnd - consumedAtEnd} records (acknowledged − consumed); draining");

        var drain = Stopwatch.StartNew();
        var unflushed = producer.Flush(DrainLimit);
        while (Interlocked.Read(ref counters.Consumed) < Interlocked.Read(ref counters.Acked) && drain.Elapsed < DrainLimit)
        {
            await Task.Delay(50);
        }
        var drainSeconds = drain.Elapsed.TotalSeconds;
        var dataBytes = Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        consumer.Stop();
        consumerThread.Join();
        var notes = new List<string>();
        if (unflushed > 0)
        {
            notes.Add($"{unflushed} records still unacknowledged {DrainLimit.TotalSeconds:F0} s after the producer stopped");
        }
        if (consumer.CommittedNote is { } committedNote)
        {
            notes.Add(committedNote);
        }
        return new SoakResult(duration, rateMBps, samples)
        {
            Sent = sent,
            ProduceSeconds = produceSeconds,
            ProduceErrors = Interlocked.Read(ref counters.ProduceErrors),
            AckedAtEnd = ackedAtEnd,
            ConsumedAtEnd = consumedAtEnd,
            ConsumedBytesAtEnd = consumedBytesAtEnd,
            AckedAfterDrain = Interlocked.Read(ref counters.Acked),
            ConsumedAfterDrain = Interlocked.Read(ref counters.Consumed),
            DrainSeconds = drainSeconds,
            DataBytesAfterDrain = dataBytes,
            CommittedLag = consumer.CommittedLag,
            AssignedPartitions = consumer.AssignedPartitions,
            JoinedAfterSeconds = consumer.JoinedAfterSeconds,
            ConsumeErrors = Interlocked.Read(ref counters.ConsumeErrors),
            Notes = notes,
        };
    }

    // Offers RecordSize-byte records at rateMBps for duration; returns the produce calls made and the time taken.
    private static (long Sent, double Seconds) Produce(IProducer<Null, byte[]> producer, Counters counters, TimeSpan duration, double rateMBps)
    {
        var payload = new byte[RecordSize];
        Random.Shared.NextBytes(payload);
        var message = new Message<Null, byte[]> { Value = payload };
        Action<DeliveryReport<Null, byte[]>> onDelivery = report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref counters.ProduceErrors);
            }
            else
            {
                Interlocked.Increment(ref counters.Acked);
            }
        };
        var recordsPerSecond = rateMBps * 1e6 / RecordSize;
        long sent = 0;
        var start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < duration)
        {
            var due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * recordsPerSecond);
            while (sent < due)
            {
                try
                {
                    producer.Produce(Topic, message, onDelivery);
                    sent++;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                    if (Stopwatch.GetElapsedTime(start) >= duration)
                    {
                        break;
                    }
                }
            }
            Thread.Sleep(1);
        }
        return (sent, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    // Every second until cancelled (and once more at the end): one SoakSample; a progress line every 10 samples.
    private static void Sample(BrokerProcess broker, Counters counters, long start, List<SoakSample> samples, CancellationToken stop, Action<string> log)
    {
        var next = 0.0;
        while (true)
        {
            var (rss, cpu, gc) = broker.Snapshot(out var anon, out var file);
            var sample = new SoakSample(Stopwatch.GetElapsedTime(start).TotalSeconds, rss, cpu, gc,
                Interlocked.Read(ref counters.Acked), Interlocked.Read(ref counters.Consumed))
            { RssAnonMiB = anon, RssFileMiB = file };
            samples.Add(sample);
            if (samples.Count % 10 == 1)
            {
                log($"soak {sample.Seconds,5:F0} s: RSS {rss:F1} MiB, heap {(gc is null ? "?" : $"{gc.HeapBytes / 1048576.0:F1}")} MiB, acknowledged {sample.Acked:N0}, consumed {sample.Consumed:N0}, lag {sample.Acked - sample.Consumed:N0}");
            }
            if (stop.IsCancellationRequested)
            {
                return;
            }
            next += 1;
            var wait = TimeSpan.FromSeconds(next) - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                stop.WaitHandle.WaitOne(wait);
            }
        }
    }

    /// <summary>Counters shared by the producer's delivery callback, the consumer and the sampler (Interlocked only).</summary>
    private sealed class Counters
    {
        public long Acked;
        public long ProduceErrors;
        public long Consumed;
        public long ConsumedBytes;
        public long ConsumeErrors;
    }

    /// <summary>
    /// The group consumer, on its own thread: subscribe, count, and before closing read the
    /// committed offsets against the log end offsets. Results are read after the thread joined.
    /// </summary>
    private sealed class ConsumerSide(string bootstrap, Counters counters)
    {
        private volatile bool _stop;

        public long Start { get; set; }
        public int AssignedPartitions { get; private set; }
        public double? JoinedAfterSeconds { get; private set; }
        public long? CommittedLag { get; private set; }
        public string? CommittedNote { get; private set; }

        public void Stop() => _stop = true;

        public void Run()
        {
            var config = new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = GroupId,
                EnableAutoCommit = true,
                AutoCommitIntervalMs = AutoCommitIntervalMs,
                AutoOffsetReset = AutoOffsetReset.Earliest,
                FetchMaxBytes = 50 * 1024 * 1024,
                MaxPartitionFetchBytes = 1024 * 1024,
            };
            using var consumer = new ConsumerBuilder<Ignore, byte[]>(config)
                .SetPartitionsAssignedHandler((_, partitions) =>
                {
                    AssignedPartitions = partitions.Count;
                    JoinedAfterSeconds ??= Stopwatch.GetElapsedTime(Start).TotalSeconds;
                })
                .Build();
            consumer.Subscribe(Topic);
            while (!_stop)
            {
                try
                {
                    var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                    if (result?.Message is { } message && !result.IsPartitionEOF)
                    {
                        Interlocked.Increment(ref counters.Consumed);
                        Interlocked.Add(ref counters.ConsumedBytes, message.Value?.Length ?? 0);
                    }
                }
                catch (ConsumeException)
                {
                    Interlocked.Increment(ref counters.ConsumeErrors);
                }
            }
            ReadCommittedLag(consumer);
            consumer.Close();
        }

        // What auto-commit has committed so far, against each partition's log end offset.
        private void ReadCommittedLag(IConsumer<Ignore, byte[]> consumer)
        {
            try
            {
                var assignment = consumer.Assignment;
                if (assignment.Count == 0)
                {
                    CommittedNote = "committed offsets not read: the consumer had no partitions assigned at the end";
                    return;
                }
                long lag = 0;
                foreach (var committed in consumer.Committed(assignment, TimeSpan.FromSeconds(10)))
                {
                    var end = consumer.QueryWatermarkOffsets(committed.TopicPartition, TimeSpan.FromSeconds(5)).High.Value;
                    lag += end - (committed.Offset.Value >= 0 ? committed.Offset.Value : 0);
                }
                CommittedLag = lag;
            }
            catch (KafkaException e)
            {
                CommittedNote = $"committed offsets not read: {e.Message}";
            }
        }
    }
}
