namespace Gregor.Protocol.Errors;

/// <summary>
/// The one place that maps an exception to the Kafka error code a response carries (Kafka's
/// <c>Errors.forException</c>). Exceptions it does not know are bugs or I/O failures: callers log
/// them and answer with their own fallback code (KAFKA_STORAGE_ERROR, UNKNOWN_SERVER_ERROR).
/// </summary>
public static class ErrorMapping
{
    /// <summary>The error code of <paramref name="exception"/>, or false when it is unexpected.</summary>
    public static bool TryGetErrorCode(Exception exception, out ErrorCode error)
    {
        error = exception switch
        {
            KafkaException kafka => kafka.Error,
            // A record batch that cannot be parsed (bad CRC, truncated, bad varint) is corrupt data.
            ProtocolException => ErrorCode.CorruptMessage,
            // A log closed under a request: the partition was deleted or moved away from this node.
            ObjectDisposedException => ErrorCode.NotLeaderOrFollower,
            _ => ErrorCode.None,
        };
        return error != ErrorCode.None;
    }
}
