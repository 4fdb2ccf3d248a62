using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Gregor.WebConsole;

/// <summary>
/// Listens to this broker's request instruments (<c>gregor.network.request.duration</c>, tagged
/// by API, of the broker's own <see cref="IMeterFactory"/>: a second broker in the same process
/// is not mixed in) and keeps, per API, the cumulative count and total seconds, from which the
/// console's broker view derives request rates and mean latencies between two samples. One
/// entry per Kafka API name, so bounded by the API catalogue. Thread-safe; dispose to stop.
/// </summary>
internal sealed class RequestMetricsListener : IDisposable
{
    public const string DurationInstrument = "gregor.network.request.duration";

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, Totals> _byApi = new(StringComparer.Ordinal);

    public RequestMetricsListener(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == DurationInstrument && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    /// <summary>Per API: requests answered and their summed duration in seconds, since start.</summary>
    public IReadOnlyDictionary<string, (long Count, double Seconds)> Snapshot()
    {
        var result = new Dictionary<string, (long, double)>(StringComparer.Ordinal);
        foreach (var (api, totals) in _byApi)
        {
            lock (totals)
            {
                result[api] = (totals.Count, totals.Seconds);
            }
        }
        return result;
    }

    public void Dispose() => _listener.Dispose();

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var api = "unknown";
        foreach (var tag in tags)
        {
            if (tag.Key == "api" && tag.Value is string name)
            {
                api = name;
            }
        }
        var totals = _byApi.GetOrAdd(api, static _ => new Totals());
        lock (totals)
        {
            totals.Count++;
            totals.Seconds += seconds;
        }
    }

    private sealed class Totals
    {
        public long Count;
        public double Seconds;
    }
}
