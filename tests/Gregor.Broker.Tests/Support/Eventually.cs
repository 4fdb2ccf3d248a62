using System.Diagnostics;

namespace Gregor.Broker.Tests.Support;

/// <summary>
/// Polls a condition until it holds or a timeout passes (tests never sleep a fixed time).
/// Stateless.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        var delay = 5;
        while (!condition())
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#} s waiting for: {what}");
            }
            await Task.Delay(delay).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 100);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        var delay = 5;
        while (!await condition().ConfigureAwait(false))
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"timed out after {limit.TotalSeconds:0.#} s waiting for: {what}");
            }
            await Task.Delay(delay).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 100);
        }
    }

    /// <summary>Polls <paramref name="sample"/> until it returns the same value <paramref name="stableSamples"/> times in a row (at 50 ms), and returns it.</summary>
    public static async Task<T> StableAsync<T>(Func<T> sample, int stableSamples = 10, TimeSpan? timeout = null)
        where T : IEquatable<T>
    {
        ArgumentNullException.ThrowIfNull(sample);
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        var last = sample();
        var same = 0;
        while (same < stableSamples)
        {
            if (watch.Elapsed > limit)
            {
                throw new TimeoutException($"value kept changing for {limit.TotalSeconds:0.#} s (last {last})");
            }
            await Task.Delay(50).ConfigureAwait(false);
            var next = sample();
            same = next.Equals(last) ? same + 1 : 0;
            last = next;
        }
        return last;
    }
}
