namespace Gregor.Broker.Tests.Replication;

/// <summary>Polls a condition until it holds or a timeout passes (no fixed sleeps in tests).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!condition())
        {
            if (TimeProvider.System.GetElapsedTime(started).TotalMilliseconds > timeoutMs)
            {
                throw new TimeoutException("condition not met in time");
            }
            await Task.Yield();
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}
