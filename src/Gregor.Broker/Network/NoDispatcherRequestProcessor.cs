namespace Gregor.Broker.Network;

/// <summary>
/// Stand-in until the dispatcher is registered: closes every connection on its first request.
/// Stateless, thread-safe.
/// </summary>
internal sealed class NoDispatcherRequestProcessor : IRequestProcessor
{
    public ValueTask<ResponseFrame?> ProcessAsync(ConnectionInfo connection, RequestFrame request, CancellationToken cancellationToken) =>
        throw new CloseConnectionException("no request dispatcher is registered");
}
