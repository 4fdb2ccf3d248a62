using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Gregor.Cluster.Metadata;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The per-topic and per-partition instruments of the <c>Gregor.Partitions</c> meter (names,
/// units and their Kafka equivalents: docs/metrics.md): records and bytes in and out per topic
/// (Kafka's BrokerTopicMetrics), log size, segment count, start and end offsets and high
/// watermark per partition (Kafka's <c>kafka.log:type=Log</c>), and under-replicated and offline
/// partitions from the metadata image (ReplicaManager, KafkaController).
/// <para>
/// Everything is observable: the produce and fetch paths only add to plain counters on
/// <see cref="Partition"/>, and the sums and tags are made when a reader (the Prometheus scrape,
/// an OTLP export) collects, so the hot paths allocate nothing for per-topic accounting.
/// Callbacks run on the collecting thread and read the partitions without locking them (the
/// offsets and counters are interlocked reads); a partition's tags are built once and kept with
/// it. Thread-safe.
/// </para>
/// </summary>
public sealed class PartitionMetrics
{
    private readonly Func<IEnumerable<Partition>> _partitions;
    private readonly ConditionalWeakTable<Partition, KeyValuePair<string, object?>[]> _tags = [];
    private int _measurementsHint;

    private PartitionMetrics(Func<IEnumerable<Partition>> partitions) => _partitions = partitions;

    /// <summary>
    /// Registers the instruments on <paramref name="meter"/>. <paramref name="partitions"/> is
    /// enumerated once per instrument per collection and should not lock what the produce and
    /// fetch paths use (a lock-free enumeration of the replica manager's partitions).
    /// </summary>
    public static void Register(Meter meter, Func<IEnumerable<Partition>> partitions, Func<MetadataImage> image, int nodeId)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(partitions);
        ArgumentNullException.ThrowIfNull(image);
        var metrics = new PartitionMetrics(partitions);
        meter.CreateObservableCounter("gregor.partitions.records.in", () => PerTopic(partitions(), p => p.RecordsAppended), "{record}", "Records appended, by topic");
        meter.CreateObservableCounter("gregor.partitions.bytes.in", () => PerTopic(partitions(), p => p.BytesAppended), "By", "Record bytes appended, by topic");
        meter.CreateObservableCounter("gregor.partitions.bytes.out", () => PerTopic(partitions(), p => p.BytesFetched), "By", "Record bytes returned to fetchers, by topic");
        meter.CreateObservableGauge("gregor.partitions.log.size", () => metrics.PerPartition(p => (p.Log as StorageReplicaLog)?.PartitionLog.Size), "By", "Bytes of a partition's log segments");
        meter.CreateObservableGauge("gregor.partitions.log.segments", () => metrics.PerPartition(p => (p.Log as StorageReplicaLog)?.PartitionLog.SegmentCount), "{segment}", "Segments of a partition's log");
        meter.CreateObservableGauge("gregor.partitions.log.start_offset", () => metrics.PerPartition(p => p.LogStartOffset), "{offset}", "First offset still readable, by partition");
        meter.CreateObservableGauge("gregor.partitions.log.end_offset", () => metrics.PerPartition(p => p.LogEndOffset), "{offset}", "Offset the next record gets, by partition");
        meter.CreateObservableGauge("gregor.partitions.high_watermark", () => metrics.PerPartition(p => p.HighWatermark), "{offset}", "Offset up to which records are visible to consumers, by partition");
        meter.CreateObservableGauge("gregor.partitions.under_replicated", () => UnderReplicated(image(), nodeId), "{partition}", "Partitions led here whose in-sync replicas are fewer than their replicas");
        meter.CreateObservableGauge("gregor.partitions.offline", () => Offline(image()), "{partition}", "Partitions of the cluster without a leader");
    }

    private static List<Measurement<long>> PerTopic(IEnumerable<Partition> partitions, Func<Partition, long> value)
    {
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var partition in partitions)
        {
            var topic = partition.TopicPartition.Topic;
            sums[topic] = sums.GetValueOrDefault(topic) + value(partition);
        }
        var measurements = new List<Measurement<long>>(sums.Count);
        foreach (var (topic, sum) in sums)
        {
            measurements.Add(new(sum, new KeyValuePair<string, object?>("topic", topic)));
        }
        return measurements;
    }

    private List<Measurement<long>> PerPartition(Func<Partition, long?> value)
    {
        var measurements = new List<Measurement<long>>(_measurementsHint);
        foreach (var partition in _partitions())
        {
            if (value(partition) is { } measured)
            {
                // The tags of a partition never change: built once, copied into each measurement.
                var tags = _tags.GetValue(partition, static p => [
                    new("topic", p.TopicPartition.Topic),
                    new("partition", p.TopicPartition.Partition)]);
                measurements.Add(new(measured, tags.AsSpan()));
            }
        }
        _measurementsHint = measurements.Count;
        return measurements;
    }

    private static int UnderReplicated(MetadataImage image, int nodeId)
    {
        var count = 0;
        foreach (var topic in image.TopicsByName.Values)
        {
            foreach (var partition in topic.Partitions.Values)
            {
                if (partition.Leader == nodeId && partition.Isr.Length < partition.Replicas.Length)
                {
                    count++;
                }
            }
        }
        return count;
    }

    private static int Offline(MetadataImage image)
    {
        var count = 0;
        foreach (var topic in image.TopicsByName.Values)
        {
            foreach (var partition in topic.Partitions.Values)
            {
                if (partition.Leader < 0)
                {
                    count++;
                }
            }
        }
        return count;
    }
}
