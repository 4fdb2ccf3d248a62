namespace Gregor.Cluster.Controller;

/// <summary>
/// The driver of a cluster of one: work runs under one async lock (so the core sees one caller at
/// a time), then <see cref="LocalRaftClient.FlushAsync"/> makes what it appended durable and
/// delivers the commits — publishing the image and completing the replies — before the lock is
/// released.
/// </summary>
public sealed class LocalControllerDriver(LocalRaftClient raft) : IControllerDriver, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public async Task InvokeAsync(Action work, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            work();
            await raft.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> under the lock synchronously (start-up and shutdown, where nothing else runs).</summary>
    public void Invoke(Action work)
    {
        _lock.Wait();
        try
        {
            work();
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
