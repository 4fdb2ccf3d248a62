namespace Gregor.Cluster.Controller;

/// <summary>
/// Runs controller work on the one thread that drives the Raft client and the controller core
/// (the production Raft driver's event loop, or the cluster-of-one lock), then lets Raft act on
/// what the work appended. <see cref="QuorumController"/> posts every request through it.
/// </summary>
public interface IControllerDriver
{
    /// <summary>Runs <paramref name="work"/> on the driving thread; completes once it has run (not once its records commit).</summary>
    Task InvokeAsync(Action work, CancellationToken cancellationToken);
}
