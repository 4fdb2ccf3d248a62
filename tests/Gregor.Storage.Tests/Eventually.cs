namespace Gregor.Storage.Tests;

/// <summary>Polls a condition until it holds or a timeout passes (no fixed sleeps in tests).</summary>
internal static class Eventually
{
    public static async Task True(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                Assert.Fail($"condition not met within {timeoutMs} ms");
            }
            await Task.Yield();
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
