using Gregor.Protocol.Messages;

namespace Gregor.Broker.Dispatch;

/// <summary>
/// Handles one Kafka API over a range of versions. Implementations live one per file in
/// src/Gregor.Broker/Handlers, are found by assembly scan and built by the DI container
/// (singletons, so they must be thread-safe). Derive from <see cref="ApiHandler{TRequest, TResponse}"/>
/// rather than implementing this directly.
/// <para>
/// The dispatcher calls <see cref="HandleAsync"/> on the connection's read loop, in request
/// order; the part before the first real await runs in that order (do order-sensitive work,
/// such as enqueueing an idempotent producer's append, before awaiting). Return null to send
/// no response (Produce with acks=0). Return Kafka error codes for client errors; an exception
/// is logged and closes the connection.
/// </para>
/// </summary>
public interface IApiHandler
{
    ApiKey ApiKey { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    // null = send no response (Produce with acks=0)
    ValueTask<IResponseMessage?> HandleAsync(RequestContext context, IRequestMessage request, CancellationToken cancellationToken);
}
