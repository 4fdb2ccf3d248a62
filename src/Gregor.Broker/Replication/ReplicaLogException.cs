using Gregor.Protocol.Errors;

namespace Gregor.Broker.Replication;

/// <summary>
/// A log operation refused for a reason the client is told as a Kafka error code
/// (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, MESSAGE_TOO_LARGE, CORRUPT_MESSAGE,
/// OFFSET_OUT_OF_RANGE …). <see cref="IReplicaLog"/> implementations translate their storage
/// exceptions into this one, so the replica manager maps errors in one place.
/// </summary>
public sealed class ReplicaLogException(ErrorCode error, string message) : Exception(message)
{
    public ErrorCode Error { get; } = error;
}
