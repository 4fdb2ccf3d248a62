using System.Diagnostics.Metrics;
using Gregor.Cluster;

namespace Gregor.Broker.Groups;

/// <summary>
/// The group coordinator's own metrics (meter <c>Gregor.Groups</c>; names and units:
/// docs/metrics.md); queue, load and event timings are the runtime's (meter
/// <c>Gregor.Coordinator</c>, coordinator "group"). Counters are thread-safe; the gauges sum
/// over the loaded shards.
/// </summary>
internal sealed class GroupCoordinatorMetrics : IDisposable
{
    public const string MeterName = "Gregor.Groups";

    private readonly Meter _meter;

    public GroupCoordinatorMetrics(IMeterFactory? meterFactory, Func<IEnumerable<GroupCoordinatorShard>> shards)
    {
        _meter = GregorMeter.Create(meterFactory, MeterName);
        Rebalances = _meter.CreateCounter<long>("gregor.groups.rebalances", "{rebalance}", "Rebalances started (classic groups)");
        OffsetCommits = _meter.CreateCounter<long>("gregor.groups.offsets.committed", "{offset}", "Partition offsets committed");
        OffsetsExpired = _meter.CreateCounter<long>("gregor.groups.offsets.expired", "{offset}", "Committed offsets removed by retention");
        _meter.CreateObservableGauge("gregor.groups.count", () => shards().Sum(s => s.GroupCount), "{group}", "Groups this coordinator holds");
        _meter.CreateObservableGauge("gregor.groups.timers", () => shards().Sum(s => s.TimerCount), "{timer}", "Pending group timeouts (bounded by members + groups)");
    }

    public Counter<long> Rebalances { get; }
    public Counter<long> OffsetCommits { get; }
    public Counter<long> OffsetsExpired { get; }

    public void Dispose() => GregorMeter.Release(_meter);
}
