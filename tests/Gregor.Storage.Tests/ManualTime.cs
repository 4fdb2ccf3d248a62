namespace Gregor.Storage.Tests;

/// <summary>A clock tests move by hand.</summary>
internal sealed class ManualTime(long nowMs) : TimeProvider
{
    private long _nowMs = nowMs;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Interlocked.Read(ref _nowMs));

    public void Advance(long ms) => Interlocked.Add(ref _nowMs, ms);
}
