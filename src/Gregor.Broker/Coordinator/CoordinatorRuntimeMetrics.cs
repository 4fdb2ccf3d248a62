using System.Diagnostics.Metrics;
using Gregor.Cluster;

namespace Gregor.Broker.Coordinator;

/// <summary>
/// Metrics of one coordinator runtime (meter <c>Gregor.Coordinator</c>, tag <c>coordinator</c>;
/// names and units: docs/metrics.md), after Kafka's coordinator runtime metrics: event-queue-size,
/// event-queue-time-ms, event-processing-time-ms, partition-load-time, num-partitions.
/// </summary>
internal sealed class CoordinatorRuntimeMetrics : IDisposable
{
    public const string MeterName = "Gregor.Coordinator";

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _coordinator;
    private readonly Histogram<double> _queueTime;
    private readonly Histogram<double> _processingTime;
    private readonly Histogram<double> _loadTime;
    private readonly Counter<long> _rejected;

    public CoordinatorRuntimeMetrics(IMeterFactory? meterFactory, string coordinator, Func<long> queuedEvents, Func<IEnumerable<Measurement<int>>> partitionsByState)
    {
        _meter = GregorMeter.Create(meterFactory, MeterName);
        _coordinator = new("coordinator", coordinator);
        var tag = _coordinator;
        _queueTime = _meter.CreateHistogram<double>("gregor.coordinator.event.queue.duration", "s", "Time an event waited in its partition's queue");
        _processingTime = _meter.CreateHistogram<double>("gregor.coordinator.event.processing.duration", "s", "Time an event ran on its partition's event loop, appends included");
        _loadTime = _meter.CreateHistogram<double>("gregor.coordinator.partition.load.duration", "s", "Time to replay one coordinator partition");
        _rejected = _meter.CreateCounter<long>("gregor.coordinator.events.rejected", "{event}", "Requests refused because their partition's queue was full");
        _meter.CreateObservableGauge("gregor.coordinator.event.queue.size", () => new Measurement<long>(queuedEvents(), tag), "{event}", "Requests waiting in the partitions' queues");
        _meter.CreateObservableGauge("gregor.coordinator.partitions", partitionsByState, "{partition}", "Coordinator partitions on this node, by state");
    }

    public KeyValuePair<string, object?> CoordinatorTag => _coordinator;

    public void QueueTime(TimeSpan elapsed) => _queueTime.Record(elapsed.TotalSeconds, _coordinator);

    public void ProcessingTime(TimeSpan elapsed) => _processingTime.Record(elapsed.TotalSeconds, _coordinator);

    public void LoadTime(TimeSpan elapsed) => _loadTime.Record(elapsed.TotalSeconds, _coordinator);

    public void Rejected() => _rejected.Add(1, _coordinator);

    public void Dispose() => GregorMeter.Release(_meter);
}
