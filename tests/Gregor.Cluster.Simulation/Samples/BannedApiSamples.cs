using System.Diagnostics;

namespace Gregor.Cluster.Simulation.Samples;

/// <summary>Deliberate uses of every banned ambient effect, so the scanner's own test can see it find them.</summary>
internal static class BannedApiSamples
{
    public static object[] UseThemAll() =>
    [
        DateTime.UtcNow,
        DateTime.Now,
        Stopwatch.StartNew(),
        Environment.TickCount64,
        Random.Shared.Next(),
        new Random().Next(),
        Guid.NewGuid(),
        Task.Run(() => { }),
        new Thread(() => { }),
        ThreadPool.QueueUserWorkItem(_ => { }),
        new Timer(_ => { }),
    ];

    public static int SeededRandom() => new Random(42).Next();
}
