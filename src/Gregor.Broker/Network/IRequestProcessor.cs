namespace Gregor.Broker.Network;

/// <summary>
/// What the network layer hands complete request frames to (the dispatcher in production, a
/// stub in network tests). <see cref="ProcessAsync"/> is called on the connection's read loop,
/// one frame at a time, in the order the frames arrived: the part of the call that runs before
/// its first real await therefore runs in request order, and must not block. The returned
/// task may complete out of order; the connection writes responses in request order anyway.
/// <para>
/// Return a frame to send, or null to send nothing (Produce with acks=0). Throw
/// <see cref="Gregor.Protocol.ProtocolException"/> or <see cref="CloseConnectionException"/>
/// to close the connection (after the responses of earlier requests have been written). The
/// network layer disposes the request frame when the returned task completes, so
/// nothing may keep a slice of it beyond that point.
/// </para>
/// Implementations are shared by all connections and must be thread-safe.
/// </summary>
public interface IRequestProcessor
{
    ValueTask<ResponseFrame?> ProcessAsync(ConnectionInfo connection, RequestFrame request, CancellationToken cancellationToken);
}
