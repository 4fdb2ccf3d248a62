using System.Diagnostics.Metrics;

namespace Gregor.Broker.Groups;

/// <summary>
/// The group coordinator's own metrics (meter <c>Gregor.Broker.Groups</c>); queue, load and event
/// timings are the runtime's (meter <c>Gregor.Broker.Coordinator</c>, coordinator "group").
/// Counters are thread-safe; the gauges sum over the loaded shards.
/// </summary>
internal sealed class GroupCoordinatorMetrics : IDisposable
{
    private readonly Meter _meter = new("Gregor.Broker.Groups");

    public GroupCoordinatorMetrics(Func<IEnumerable<GroupCoordinatorShard>> shards)
    {
        Rebalances = _meter.CreateCounter<long>("gregor.groups.rebalances", description: "Rebalances started (classic groups)");
        OffsetCommits = _meter.CreateCounter<long>("gregor.groups.offset_commits", description: "Partition offsets committed");
        OffsetsExpired = _meter.CreateCounter<long>("gregor.groups.offsets_expired", description: "Committed offsets removed by retention");
        _meter.CreateObservableGauge("gregor.groups.count", () => shards().Sum(s => s.GroupCount), description: "Groups this coordinator holds");
        _meter.CreateObservableGauge("gregor.groups.timers", () => shards().Sum(s => s.TimerCount), description: "Pending group timeouts (bounded by members + groups)");
    }

    public Counter<long> Rebalances { get; }
    public Counter<long> OffsetCommits { get; }
    public Counter<long> OffsetsExpired { get; }

    public void Dispose() => _meter.Dispose();
}
