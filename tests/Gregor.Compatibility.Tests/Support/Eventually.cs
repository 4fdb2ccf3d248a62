using System.Diagnostics;

namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// Polls a condition until it holds or a deadline passes (no fixed sleeps in tests): a short
/// pause between polls, and a failure message naming what was awaited. Stateless.
/// </summary>
internal static class Eventually
{
    public static async Task True(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0.#}s waiting for {what}");
            }
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }

    public static async Task True(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds:0.#}s waiting for {what}");
            }
            await Task.Delay(25, TestContext.Current.CancellationToken);
        }
    }
}
