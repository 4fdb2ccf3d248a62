using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>An append to <c>__consumer_offsets</c> failed with a Kafka error (the coordinator answers COORDINATOR_NOT_AVAILABLE).</summary>
public sealed class GroupLogAppendException(ErrorCode error, string message) : Exception(message)
{
    public ErrorCode Error { get; } = error;
}
