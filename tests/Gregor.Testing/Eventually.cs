using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Gregor.Testing;

/// <summary>
/// Polls a condition until it holds or a timeout passes, so tests never sleep a fixed time
/// (NATS's <c>checkFor</c>). Polls back off from 5 ms to 100 ms: quick when the condition is
/// nearly true, cheap on a loaded machine when it is not. A timeout fails the test with what
/// was awaited — the caller's words, or else the condition's source text. Pauses end early when
/// the test is cancelled. Stateless.
/// </summary>
public static class Eventually
{
    /// <summary>15 s: generous, because the machines that run the tests are shared and slow.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private const int FirstPauseMs = 5;
    private const int LongestPauseMs = 100;

    public static Task TrueAsync(
        Func<bool> condition,
        string? what = null,
        TimeSpan? timeout = null,
        [CallerArgumentExpression(nameof(condition))] string conditionText = "")
    {
        ArgumentNullException.ThrowIfNull(condition);
        // Task.FromResult(bool) hands out cached tasks: polling a plain condition allocates nothing more.
        return TrueAsync(() => Task.FromResult(condition()), what ?? conditionText, timeout);
    }

    public static async Task TrueAsync(
        Func<Task<bool>> condition,
        string? what = null,
        TimeSpan? timeout = null,
        [CallerArgumentExpression(nameof(condition))] string conditionText = "")
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        var pauseMs = FirstPauseMs;
        while (!await condition().ConfigureAwait(false))
        {
            if (watch.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds:0.#} s waiting for: {what ?? conditionText}");
            }
            pauseMs = await PauseAsync(pauseMs).ConfigureAwait(false);
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
                Assert.Fail($"value kept changing for {limit.TotalSeconds:0.#} s (last {last})");
            }
            await Task.Delay(50, TestContext.Current.CancellationToken).ConfigureAwait(false);
            var next = sample();
            same = next.Equals(last) ? same + 1 : 0;
            last = next;
        }
        return last;
    }

    private static async Task<int> PauseAsync(int pauseMs)
    {
        await Task.Delay(pauseMs, TestContext.Current.CancellationToken).ConfigureAwait(false);
        return Math.Min(pauseMs * 2, LongestPauseMs);
    }
}
