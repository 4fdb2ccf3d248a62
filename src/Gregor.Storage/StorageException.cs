using Gregor.Protocol.Errors;

namespace Gregor.Storage;

/// <summary>
/// A storage failure with the Kafka error code a client is told: KAFKA_STORAGE_ERROR for I/O
/// trouble, or the code of a typed subclass (OFFSET_OUT_OF_RANGE, INVALID_RECORD, …).
/// </summary>
public class StorageException : KafkaException
{
    public StorageException(string message, Exception? inner = null)
        : base(ErrorCode.KafkaStorageError, message, inner)
    {
    }

    protected StorageException(ErrorCode error, string message)
        : base(error, message)
    {
    }
}
