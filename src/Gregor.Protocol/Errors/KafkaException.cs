namespace Gregor.Protocol.Errors;

/// <summary>
/// An operation refused for a reason the client is told as a Kafka error code, as Kafka's
/// <c>ApiException</c>. Components below the handlers (storage, partitions, coordinators) throw
/// it or a subclass; <see cref="ErrorMapping"/> turns any exception into the code a response
/// carries, so no layer translates exceptions into other exceptions.
/// </summary>
public class KafkaException(ErrorCode error, string message, Exception? inner = null) : Exception(message, inner)
{
    public ErrorCode Error { get; } = error;
}
