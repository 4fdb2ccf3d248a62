using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Gregor.Broker.Network;

/// <summary>
/// Holds the Kafka listeners "bound but paused" while a node starts: the sockets are bound (so
/// the node can register its real ports) but a connection accepted meanwhile waits here before
/// any byte of it is read, until the lifecycle's last start step opens the gate. A client that
/// connects early is therefore served only once coordinators are loaded. Closing the gate again
/// (shutdown) makes new connections wait until the server stops and closes them. Thread-safe.
/// </summary>
public sealed class AcceptGate
{
    private TaskCompletionSource _open = NewClosed();

    public bool IsOpen => Volatile.Read(ref _open).Task.IsCompleted;

    /// <summary>Lets waiting and future connections through.</summary>
    public void Open() => Volatile.Read(ref _open).TrySetResult();

    /// <summary>Makes future connections wait again (connections already through are not affected).</summary>
    public void Close()
    {
        var current = Volatile.Read(ref _open);
        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _open, NewClosed(), current);
        }
    }

    /// <summary>Completes when the gate is open; cancelled when <paramref name="cancellationToken"/> fires first.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var open = Volatile.Read(ref _open).Task;
        return open.IsCompleted ? Task.CompletedTask : open.WaitAsync(cancellationToken);
    }

    /// <summary>Holds <paramref name="connection"/> until the gate opens: false when it closed or the server began stopping first.</summary>
    public async ValueTask<bool> PassAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (IsOpen)
        {
            return true;
        }
        var stopping = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, stopping);
        try
        {
            await WaitAsync(giveUp.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            return false;
        }
    }

    private static TaskCompletionSource NewClosed() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
