using System.Diagnostics.Metrics;

namespace Gregor.Cluster;

/// <summary>
/// The one way a Gregor component gets its meter (see docs/metrics.md): from the host's
/// <see cref="IMeterFactory"/>, so two brokers in one process keep separate meters and the host
/// decides what is exported. A component built without DI (unit tests, tools) gets a meter of
/// its own, which it releases with <see cref="Release"/>; a factory's meters live as long as the
/// factory, which is shared, so they are never disposed by a component.
/// </summary>
public static class GregorMeter
{
    public static Meter Create(IMeterFactory? meterFactory, string name) =>
        meterFactory?.Create(name) ?? new Meter(name);

    public static void Release(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        if (meter.Scope is null)
        {
            meter.Dispose();
        }
    }
}
