using System.Diagnostics.Metrics;

namespace Gregor.Broker.Coordinator;

/// <summary>
/// Metrics of one coordinator runtime (meter <c>Gregor.Broker.Coordinator</c>, tag
/// <c>coordinator</c>), after Kafka's coordinator runtime metrics: event-queue-size,
/// event-queue-time-ms, event-processing-time-ms, partition-load-time, num-partitions.
/// </summary>
internal sealed class CoordinatorRuntimeMetrics : IDisposable
{
    private readonly Meter _meter = new("Gregor.Broker.Coordinator");
    private readonly KeyValuePair<string, object?> _coordinator;
    private readonly Histogram<double> _queueTime;
    private readonly Histogram<double> _processingTime;
    private readonly Histogram<double> _loadTime;
    private readonly Counter<long> _rejected;

    public CoordinatorRuntimeMetrics(string coordinator, Func<long> queuedEvents, Func<IEnumerable<Measurement<int>>> partitionsByState)
    {
        _coordinator = new("coordinator", coordinator);
        var tag = _coordinator;
        _queueTime = _meter.CreateHistogram<double>("gregor.coordinator.event.queue.duration", "ms", "Time an event waited in its partition's queue");
        _processingTime = _meter.CreateHistogram<double>("gregor.coordinator.event.processing.duration", "ms", "Time an event ran on its partition's event loop, appends included");
        _loadTime = _meter.CreateHistogram<double>("gregor.coordinator.partition.load.duration", "ms", "Time to replay one coordinator partition");
        _rejected = _meter.CreateCounter<long>("gregor.coordinator.events.rejected", "{event}", "Requests refused because their partition's queue was full");
        _meter.CreateObservableGauge("gregor.coordinator.event.queue.size", () => new Measurement<long>(queuedEvents(), tag), "{event}", "Requests waiting in the partitions' queues");
        _meter.CreateObservableGauge("gregor.coordinator.partitions", partitionsByState, "{partition}", "Coordinator partitions on this node, by state");
    }

    public KeyValuePair<string, object?> CoordinatorTag => _coordinator;

    public void QueueTime(TimeSpan elapsed) => _queueTime.Record(elapsed.TotalMilliseconds, _coordinator);

    public void ProcessingTime(TimeSpan elapsed) => _processingTime.Record(elapsed.TotalMilliseconds, _coordinator);

    public void LoadTime(TimeSpan elapsed) => _loadTime.Record(elapsed.TotalMilliseconds, _coordinator);

    public void Rejected() => _rejected.Add(1, _coordinator);

    public void Dispose() => _meter.Dispose();
}
