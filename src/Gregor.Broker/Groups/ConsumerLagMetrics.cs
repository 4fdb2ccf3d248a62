using System.Diagnostics.Metrics;
using Gregor.Cluster;

namespace Gregor.Broker.Groups;

/// <summary>
/// Consumer-group gauges computed by the broker (meter <c>Gregor.Groups</c>; docs/metrics.md):
/// lag and committed offset per group, topic and partition, members per group and each group's
/// state. Observable callbacks must not wait on the coordinator's event loops, so they report the
/// snapshot of the last <see cref="RefreshAsync"/>, which the host runs before every
/// <c>/metrics</c> scrape (the values are those of the scrape). One per broker; thread-safe.
/// </summary>
public sealed class ConsumerLagMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly GroupLagReader _reader;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile IReadOnlyList<GroupLag> _snapshot = [];

    public ConsumerLagMetrics(IMeterFactory meterFactory, GroupLagReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        _meter = GregorMeter.Create(meterFactory, GroupCoordinatorMetrics.MeterName);
        _meter.CreateObservableGauge("gregor.groups.lag", () => PerPartition(p => p.Lag), "{record}", "Records between a group's committed offset and the partition's high watermark");
        _meter.CreateObservableGauge("gregor.groups.committed_offset", () => PerPartition(p => p.CommittedOffset), "{offset}", "A group's committed offset, by topic and partition");
        _meter.CreateObservableGauge("gregor.groups.members", Members, "{member}", "Members of a group");
        _meter.CreateObservableGauge("gregor.groups.state", States, "{group}", "1 for a group's current state (Empty, PreparingRebalance, CompletingRebalance, Stable)");
    }

    /// <summary>The groups as of the last refresh.</summary>
    public IReadOnlyList<GroupLag> Snapshot => _snapshot;

    /// <summary>Reads every group's lag afresh; concurrent callers share one read at a time. Failures keep the last snapshot.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (error, groups) = await _reader.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            if (error == Protocol.Errors.ErrorCode.None)
            {
                _snapshot = groups;
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private List<Measurement<long>> PerPartition(Func<PartitionLag, long?> value)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var group in _snapshot)
        {
            foreach (var partition in group.Partitions)
            {
                if (value(partition) is { } measured)
                {
                    measurements.Add(new(
                        measured,
                        new KeyValuePair<string, object?>("group", group.GroupId),
                        new KeyValuePair<string, object?>("topic", partition.Topic),
                        new KeyValuePair<string, object?>("partition", partition.Partition)));
                }
            }
        }
        return measurements;
    }

    private IEnumerable<Measurement<int>> Members() =>
        _snapshot.Select(g => new Measurement<int>(g.Members.Count, new KeyValuePair<string, object?>("group", g.GroupId)));

    private IEnumerable<Measurement<int>> States() =>
        _snapshot.Select(g => new Measurement<int>(
            1,
            new KeyValuePair<string, object?>("group", g.GroupId),
            new KeyValuePair<string, object?>("state", g.State.ToString())));

    public void Dispose()
    {
        GregorMeter.Release(_meter);
        _refreshing.Dispose();
    }
}
