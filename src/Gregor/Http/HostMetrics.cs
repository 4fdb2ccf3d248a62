using System.Diagnostics.Metrics;

namespace Gregor.Http;

/// <summary>
/// The host's own instruments (meter <c>Gregor.Host</c>; docs/metrics.md, "Host instruments"):
/// free and total bytes of the file system holding the data directory, for the disk-almost-full
/// alert. Read when collected (one statfs per scrape). The meter comes from the host's factory
/// and lives as long as it.
/// </summary>
internal static class HostMetrics
{
    public const string MeterName = "Gregor.Host";

    public static void Register(IMeterFactory meterFactory, string dataDir)
    {
        var meter = meterFactory.Create(MeterName);
        var path = new KeyValuePair<string, object?>("path", dataDir);
        meter.CreateObservableGauge("gregor.host.disk.free", () => Disk(dataDir, d => d.AvailableFreeSpace, path), "By", "Bytes available to gregor on the data directory's file system");
        meter.CreateObservableGauge("gregor.host.disk.total", () => Disk(dataDir, d => d.TotalSize, path), "By", "Size of the data directory's file system");
    }

    private static IEnumerable<Measurement<long>> Disk(string dataDir, Func<DriveInfo, long> value, KeyValuePair<string, object?> path)
    {
        try
        {
            return [new Measurement<long>(value(new DriveInfo(dataDir)), path)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return [];
        }
    }
}
